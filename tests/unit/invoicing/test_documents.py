"""PDF documents (R-INV-1, R-INV-3, R-INV-4): each kind opens, and its text carries the
number, the totals, the address, and the tax rate and amount per line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from services.invoicing.adapters.pdf import (
    Seller,
    amount,
    percent,
    render_credit_note,
    render_invoice,
    render_order_confirmation,
)
from services.invoicing.domain.credit_note import CreditNote, TaxBasis
from services.invoicing.domain.model import LineDraft
from services.invoicing.domain.order import Order, OrderKind
from tests.unit.invoicing.test_invoice_rules import NOW, VAT, issue

SELLER = Seller("Billing & Orders Software Ltd", "1 Example Quay\nDublin 2", "IE9999999X")
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_money_and_rates_print_in_the_currency_s_units() -> None:
    assert amount(2_249_100, "EUR") == "22,491.00 EUR"
    assert amount(12_345, "JPY") == "12,345 JPY"
    assert percent("0.08875") == "8.875%" and percent("0.19") == "19%" and percent("0") == "0%"


@pytest.mark.parametrize("font", [None, DEJAVU])
def test_an_invoice_pdf_has_what_a_tax_invoice_needs_r_inv_1(font: str | None) -> None:
    if font and not Path(font).is_file():
        pytest.skip("no DejaVu font on this machine")
    invoice = issue([LineDraft("CAD Pro renewal, 10 seat(s)", 10, 189_000)])
    text = text_of(render_invoice(invoice, SELLER, today=NOW.date(), order=None, font_path=font))
    for expected in (
        "Tax invoice",
        "Billing & Orders Software Ltd",
        "IE9999999X",
        invoice.number,
        "Acme Robotics GmbH",
        "Friedrichstrasse 68",
        "10117 Berlin",
        "2026-03-01",
        "2026-03-31",
        "18,900.00 EUR",
        "3,591.00 EUR",
        "22,491.00 EUR",
        "19%",
        "Umsatzsteuer 19%",
    ):
        assert expected in text, expected


def test_a_name_outside_latin_1_does_not_break_the_core_font() -> None:
    invoice = issue([LineDraft("ライセンス CAD Pro", 1, 1_000)])
    assert invoice.number in text_of(
        render_invoice(invoice, SELLER, today=NOW.date(), order=None, font_path=None)
    )


def test_a_credit_note_pdf_names_the_invoice_it_corrects_r_inv_3() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    note = CreditNote.issue(
        csn=invoice.csn,
        number="CN-5100000001-000003",
        currency="EUR",
        reason="One seat billed twice",
        basis=TaxBasis(VAT.rate, VAT.name),
        gross_amount=11_900,
        invoice=invoice,
        bill_to=invoice.bill_to,
        issued_by="agent",
        now=NOW,
    )
    text = text_of(render_credit_note(note, SELLER, font_path=None))
    for expected in (
        "Credit note",
        "CN-5100000001-000003",
        invoice.number,
        "100.00 EUR",
        "19.00 EUR",
        "119.00 EUR",
        "One seat billed twice",
        "Friedrichstrasse 68",
    ):
        assert expected in text, expected


def test_an_order_confirmation_pdf_shows_the_order_and_its_invoice_r_inv_4() -> None:
    invoice = issue([LineDraft("Render Cloud", 3, 4_900)])
    order = Order.place(
        order_id="o-1",
        number="OR-5100000001-000009",
        kind=OrderKind.MANUAL_RENEWAL,
        reference=None,
        placed_by="alice@acme.example",
        placed_at=NOW,
        invoice=invoice,
    )
    text = text_of(render_order_confirmation(order, invoice, SELLER, font_path=None))
    for expected in (
        "Order confirmation",
        "OR-5100000001-000009",
        invoice.number,
        "alice@acme.example",
        "147.00 EUR",
        "27.93 EUR",
        "174.93 EUR",
        "10117 Berlin",
    ):
        assert expected in text, expected
