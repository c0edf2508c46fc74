"""Credit notes (R-INV-3): how an issued invoice is corrected, and credit on the account that
can be applied to open invoices. The available balance never goes below zero and a credit
never pays an invoice beyond its amount due."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from services.invoicing.domain.model import Invoice
from shared.errors import DomainError
from shared.money import Money
from shared.tax import line_tax


@dataclass(frozen=True)
class CreditDraft:
    description: str
    amount: int  # before tax, minor units


@dataclass(frozen=True)
class TaxBasis:
    """The rate a credit note reverses: its invoice's when it corrects one (R-INV-5)."""

    rate: Decimal
    name: str


NOT_TAXABLE = TaxBasis(Decimal(0), "Not a taxable supply")


@dataclass(eq=False)
class CreditNoteLine:
    id: str
    position: int
    description: str
    amount: int
    tax_rate: str
    tax_amount: int
    credit_note_id: str | None = None


@dataclass(eq=False)
class CreditApplication:
    id: str
    invoice_id: str
    invoice_number: str
    amount: int
    applied_at: datetime
    applied_by: str
    credit_note_id: str | None = None


@dataclass(eq=False)
class CreditNote:
    id: str
    csn: str
    number: str
    currency: str
    reason: str
    invoice_id: str | None
    invoice_number: str | None
    refund: bool  # the money goes back to the paid invoice's payment method, not to credit
    subtotal: int
    tax: int
    total: int
    amount_applied: int
    amount_refunded: int
    issue_date: date
    issued_at: datetime
    issued_by: str
    bill_to: str
    tax_name: str
    source_key: str | None = None  # set when a system event issued it: one note per source
    lines: list[CreditNoteLine] = field(default_factory=list)
    applications: list[CreditApplication] = field(default_factory=list)

    @classmethod
    def issue(
        cls,
        *,
        csn: str,
        number: str,
        currency: str,
        reason: str,
        basis: TaxBasis,
        drafts: list[CreditDraft] | None = None,
        gross_amount: int | None = None,
        invoice: Invoice | None = None,
        refund: bool = False,
        bill_to: str,
        issued_by: str,
        now: datetime,
        source_key: str | None = None,
    ) -> CreditNote:
        """Lines before tax (tax per line, half up), or one amount including tax."""
        lines, subtotal, tax = _credit_lines(reason, currency, basis, drafts, gross_amount)
        return cls(
            id=str(uuid.uuid4()),
            csn=csn,
            number=number,
            currency=currency,
            reason=reason,
            invoice_id=invoice.id if invoice else None,
            invoice_number=invoice.number if invoice else None,
            refund=refund,
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            amount_applied=0,
            amount_refunded=0,
            issue_date=now.date(),
            issued_at=now,
            issued_by=issued_by,
            bill_to=bill_to,
            tax_name=basis.name,
            source_key=source_key,
            lines=lines,
        )

    @property
    def balance(self) -> int:
        """Credit still available to apply; a refund is never account credit."""
        return 0 if self.refund else self.total - self.amount_applied

    @property
    def status(self) -> str:
        if self.refund:
            return "refunded" if self.amount_refunded >= self.total else "refund_pending"
        return "available" if self.balance > 0 else "used"

    def apply_to(
        self, invoice: Invoice, amount: int, *, payable: int, now: datetime, applied_by: str
    ) -> bool:
        """Move credit onto one open invoice (R-INV-3); True when that paid it in full."""
        if self.refund:
            raise DomainError(
                "credit_note_not_applicable",
                f"Credit note {self.number} is a refund to the payment method; it cannot pay "
                "invoices.",
            )
        if invoice.currency != self.currency:
            raise DomainError(
                "currency_mismatch",
                f"Credit note {self.number} is in {self.currency}; invoice {invoice.number} is "
                f"in {invoice.currency}.",
            )
        if amount > self.balance:
            raise DomainError(
                "credit_balance_insufficient",
                f"Credit note {self.number} has {Money(self.balance, self.currency)} left; "
                "apply at most that.",
            )
        paid = invoice.apply_credit(amount, payable, now)
        self.amount_applied += amount
        self.applications.append(
            CreditApplication(
                id=str(uuid.uuid4()),
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                amount=amount,
                applied_at=now,
                applied_by=applied_by,
            )
        )
        return paid

    def record_refund(self, amount: int) -> int:
        """Payments sent money back; returns how much of it is new (never above the total)."""
        new = max(min(amount, self.total - self.amount_refunded), 0)
        self.amount_refunded += new
        return new


def net_of(gross: int, rate: Decimal) -> int:
    """The amount before tax inside an amount including tax, half up."""
    return int((Decimal(gross) / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_creditable(
    invoice: Invoice, total: int, *, credited: int, refunded: int, refund: bool
) -> None:
    """Corrections never credit more than was invoiced (`credited`: earlier credit notes on
    it), and a refund never returns more than was paid and not refunded yet."""
    if total > invoice.total - credited:
        raise DomainError(
            "credit_exceeds_invoice",
            f"Invoice {invoice.number} can be credited by at most {invoice.total - credited} more.",
            status=422,
        )
    if not refund:
        return
    if invoice.amount_paid <= 0:
        raise DomainError(
            "refund_needs_paid_invoice",
            f"Nothing was paid on invoice {invoice.number}; issue a credit without refund.",
        )
    if total > invoice.amount_paid - refunded:
        raise DomainError(
            "credit_exceeds_invoice",
            f"At most {Money(invoice.amount_paid - refunded, invoice.currency)} paid on invoice "
            f"{invoice.number} can still be refunded.",
            status=422,
        )


def credit_note_number(csn: str, sequence: int) -> str:
    return f"CN-{csn}-{sequence:06d}"


def _credit_lines(
    reason: str,
    currency: str,
    basis: TaxBasis,
    drafts: list[CreditDraft] | None,
    gross_amount: int | None,
) -> tuple[list[CreditNoteLine], int, int]:
    """The lines of a credit note with its subtotal and tax: lines given before tax (tax per
    line, half up), or one amount including tax, split so that the total stays exact."""
    if (drafts is None) == (gross_amount is None):
        raise DomainError(
            "credit_amount_or_lines",
            "Give either an amount or lines for the credit note, not both.",
            status=422,
        )
    if drafts is None:
        assert gross_amount is not None
        drafts = [CreditDraft(reason, net_of(gross_amount, basis.rate))]
    if not drafts or any(d.amount < 1 for d in drafts):
        raise DomainError("credit_amount_invalid", "Credit lines must be positive.", status=422)
    lines = [
        CreditNoteLine(
            id=str(uuid.uuid4()),
            position=n,
            description=d.description,
            amount=d.amount,
            tax_rate=str(basis.rate),
            tax_amount=line_tax(Money(d.amount, currency), basis.rate).amount,
        )
        for n, d in enumerate(drafts, start=1)
    ]
    subtotal = sum(line.amount for line in lines)
    tax = sum(line.tax_amount for line in lines)
    if gross_amount is not None and subtotal + tax != gross_amount:
        lines[0].tax_amount += gross_amount - subtotal - tax  # one amount, kept exact
        tax = gross_amount - subtotal
    return lines, subtotal, tax
