"""PDF documents made with fpdf2: tax invoices, credit notes and order confirmations, each
with what a tax invoice needs — seller and buyer with addresses and tax ids, number, dates,
lines with their tax rate and tax, totals and currency (R-INV-1, R-INV-3, R-INV-4, R-INV-5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.invoicing.domain.credit_note import CreditNote
from services.invoicing.domain.model import Invoice
from services.invoicing.domain.order import Order, order_status
from shared.money import Money

KIND_LABEL = {
    "new": "New purchase",
    "renewal": "Automatic renewal",
    "manual_renewal": "Renewal",
    "seats_added": "Additional seats",
    "quote": "Quote accepted",
}


@dataclass(frozen=True)
class Seller:
    name: str
    address: str
    tax_id: str


def amount(value: int, currency: str) -> str:
    """1,234.56 EUR; JPY has no minor unit: 12,345 JPY."""
    return f"{Money(value, currency).text(grouping=True)} {currency}"


def percent(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


class _Document(FPDF):  # type: ignore[misc]
    def __init__(self, font_path: str | None) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=18)
        self.unicode = bool(font_path) and Path(font_path or "").is_file()
        if self.unicode:
            self.add_font("Body", "", font_path)
            self.add_font("Body", "B", font_path)
            self._body_font = "Body"
        else:
            self._body_font = "Helvetica"
        self.add_page()

    def text_of(self, text: str) -> str:
        """Core fonts print Latin-1 only: anything else shows as '?' rather than failing."""
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self._body_font, "B" if bold else "", size)

    def line_of_text(self, text: str, size: float = 9, bold: bool = False, h: float = 5) -> None:
        self.font(size, bold)
        self.cell(0, h, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, title: str, seller: Seller) -> None:
        self.line_of_text(title, size=18, bold=True, h=10)
        self.line_of_text(seller.name, bold=True)
        for line in seller.address.splitlines():
            self.line_of_text(line)
        self.line_of_text(f"VAT / tax ID: {seller.tax_id}")
        self.ln(4)

    def facts_and_buyer(self, facts: Sequence[tuple[str, str]], bill_to: str) -> None:
        """Document facts on the left, the buyer's address (as snapshotted) on the right."""
        top = self.get_y()
        for label, value in facts:
            self.font(9, bold=True)
            self.cell(38, 5, self.text_of(label))
            self.font(9)
            self.cell(55, 5, self.text_of(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left_end = self.get_y()
        self.set_xy(110, top)
        self.font(9, bold=True)
        self.cell(0, 5, "Bill to", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font(9)
        for line in bill_to.splitlines():
            self.set_x(110)
            self.cell(0, 5, self.text_of(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(self.l_margin, max(left_end, self.get_y()) + 4)

    def lines_table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        widths = (8, 70, 12, 26, 24, 16, 24)[: len(header)]
        aligns = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")[: len(header)]
        self.font(8)
        with self.table(
            col_widths=widths,
            text_align=aligns,
            first_row_as_headings=True,
            line_height=4.5,
            padding=1,
        ) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.text_of(value))
        self.ln(3)

    def totals(self, rows: Sequence[tuple[str, str, bool]]) -> None:
        for label, value, strong in rows:
            self.font(9, bold=strong)
            self.set_x(110)
            self.cell(50, 5.5, self.text_of(label))
            self.cell(0, 5.5, self.text_of(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def note(self, text: str) -> None:
        self.font(8)
        self.multi_cell(0, 4.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def _day(d: date | datetime | None) -> str:
    return d.date().isoformat() if isinstance(d, datetime) else (d.isoformat() if d else "")


def _invoice_rows(invoice: Invoice) -> list[list[str]]:
    cur = invoice.currency
    rows = []
    for line in invoice.lines:
        description = line.description
        if line.discount:
            description += f" (discount {amount(line.discount, cur)})"
        rows.append(
            [
                str(line.position),
                description,
                str(line.quantity),
                amount(line.unit_amount, cur),
                amount(line.amount, cur),
                percent(line.tax_rate),
                amount(line.tax_amount, cur),
            ]
        )
    return rows


LINE_HEADER = ("#", "Description", "Qty", "Unit price", "Net amount", "Tax rate", "Tax")


def render_invoice(
    invoice: Invoice, seller: Seller, *, today: date, order: Order | None, font_path: str | None
) -> bytes:
    doc = _Document(font_path)
    doc.set_title(f"Invoice {invoice.number}")
    doc.heading("Tax invoice", seller)
    cur = invoice.currency
    facts = [
        ("Invoice number", invoice.number),
        ("Issue date", _day(invoice.issue_date)),
        ("Due date", _day(invoice.due_date)),
        ("Status", invoice.display_status(today)),
        ("Currency", cur),
        ("Customer number", invoice.csn),
    ]
    if order is not None:
        facts.append(("Order", order.number))
    doc.facts_and_buyer(facts, invoice.bill_to)
    doc.lines_table(LINE_HEADER, _invoice_rows(invoice))
    doc.totals(
        [
            ("Subtotal", amount(invoice.subtotal, cur), False),
            (f"Tax ({invoice.tax_name})", amount(invoice.tax, cur), False),
            ("Total", amount(invoice.total, cur), True),
            ("Paid", amount(invoice.amount_paid, cur), False),
            ("Credited", amount(invoice.amount_credited, cur), False),
            ("Amount due", amount(invoice.amount_due, cur), True),
        ]
    )
    if invoice.collection == "automatic" and invoice.payment_method_id:
        doc.note("Collected automatically from your saved payment method.")
    else:
        doc.note(f"Please pay {amount(invoice.amount_due, cur)} by {_day(invoice.due_date)}.")
    if invoice.cancelled_at:
        doc.note(f"Cancelled on {_day(invoice.cancelled_at)}: {invoice.cancellation_reason}")
    doc.note("Tax is computed per line and rounded half up to the currency's minor unit.")
    return doc.to_bytes()


def render_credit_note(note: CreditNote, seller: Seller, *, font_path: str | None) -> bytes:
    doc = _Document(font_path)
    doc.set_title(f"Credit note {note.number}")
    doc.heading("Credit note", seller)
    cur = note.currency
    facts = [
        ("Credit note number", note.number),
        ("Issue date", _day(note.issue_date)),
        ("Currency", cur),
        ("Customer number", note.csn),
    ]
    if note.invoice_number:
        facts.append(("Corrects invoice", note.invoice_number))
    doc.facts_and_buyer(facts, note.bill_to)
    rows = [
        [
            str(line.position),
            line.description,
            amount(line.amount, cur),
            percent(line.tax_rate),
            amount(line.tax_amount, cur),
        ]
        for line in note.lines
    ]
    doc.lines_table(("#", "Description", "Net amount", "Tax rate", "Tax"), rows)
    doc.totals(
        [
            ("Subtotal", amount(note.subtotal, cur), False),
            (f"Tax ({note.tax_name})", amount(note.tax, cur), False),
            ("Total credited", amount(note.total, cur), True),
        ]
    )
    doc.note(f"Reason: {note.reason}")
    if note.refund:
        doc.note("Refunded to the payment method of the paid invoice.")
    else:
        doc.note(f"Credit available on your account: {amount(note.balance, cur)}.")
    return doc.to_bytes()


def render_order_confirmation(
    order: Order, invoice: Invoice, seller: Seller, *, font_path: str | None
) -> bytes:
    doc = _Document(font_path)
    doc.set_title(f"Order {order.number}")
    doc.heading("Order confirmation", seller)
    cur = order.currency
    facts = [
        ("Order number", order.number),
        ("Order date", _day(order.placed_at)),
        ("Order type", KIND_LABEL[order.kind.value]),
        ("Status", order_status(invoice)),
        ("Tax invoice", invoice.number),
        ("Currency", cur),
    ]
    if order.reference:
        facts.append(("Reference", order.reference))
    if order.placed_by:
        facts.append(("Placed by", order.placed_by))
    doc.facts_and_buyer(facts, order.bill_to)
    doc.lines_table(LINE_HEADER, _invoice_rows(invoice))
    doc.totals(
        [
            ("Subtotal", amount(order.subtotal, cur), False),
            (f"Tax ({invoice.tax_name})", amount(order.tax, cur), False),
            ("Total", amount(order.total, cur), True),
        ]
    )
    if order.collection == "automatic" and order.payment_method_id:
        doc.note("Charged to your saved payment method.")
    else:
        doc.note(f"Invoiced on your payment terms: due {_day(invoice.due_date)}.")
    doc.note("Thank you for your order.")
    return doc.to_bytes()
