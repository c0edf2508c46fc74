"""Invoices, customers and tax: pure rules. An issued invoice never changes its lines or
totals; only payments applied to it and its status move (R-INV-1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.money import Money


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class Customer:
    """Billing details of one account; changes apply to future documents only (R-CUST-1)."""

    csn: str
    company_name: str
    address_line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    region: str | None = None
    net_terms_days: int = 30

    def address_lines(self) -> list[str]:
        region = f" {self.region}" if self.region else ""
        return [
            self.company_name,
            self.address_line1,
            f"{self.postal_code} {self.city}{region}",
            self.country,
        ]


@dataclass(eq=False)
class TaxRate:
    """One row of the data-driven rate table (R-INV-5): region None means the whole country."""

    id: int
    country: str
    region: str | None
    rate: str  # decimal fraction as text, e.g. "0.19"
    name: str

    @property
    def as_decimal(self) -> Decimal:
        return Decimal(self.rate)


def line_tax(amount: Money, rate: Decimal) -> Money:
    """Tax of one line, rounded half up to the minor unit; invoice tax is the sum of lines."""
    return amount.times_rate(rate)


@dataclass(eq=False)
class InvoiceLine:
    id: str
    description: str
    quantity: int
    unit_amount: int
    amount: int
    tax_rate: str
    tax_amount: int
    subscription_id: str | None = None
    renewal_id: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    invoice_id: str | None = None


@dataclass(eq=False)
class InvoicePayment:
    charge_id: str
    amount: int
    applied_at: datetime
    invoice_id: str | None = None


@dataclass
class LineDraft:
    description: str
    quantity: int
    unit_amount: int
    subscription_id: str | None = None
    renewal_id: str | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass(eq=False)
class Invoice:
    id: str
    csn: str
    number: str
    status: InvoiceStatus
    currency: str
    subtotal: int
    tax: int
    total: int
    amount_paid: int
    issue_date: date
    due_date: date
    collection: str
    source_key: str  # what caused it (renewal id, quote id...): one invoice per source
    bill_to: str  # the billing address as printed, snapshot at issue (R-CUST-1)
    tax_name: str
    payment_method_id: str | None = None
    last_payment_error: str | None = None
    paid_at: datetime | None = None
    lines: list[InvoiceLine] = field(default_factory=list)
    payments: list[InvoicePayment] = field(default_factory=list)

    @classmethod
    def issue(
        cls,
        *,
        customer: Customer,
        number: str,
        currency: str,
        drafts: list[LineDraft],
        rate: TaxRate,
        today: date,
        collection: str,
        source_key: str,
        payment_method_id: str | None,
    ) -> Invoice:
        lines = []
        for d in drafts:
            amount = Money(d.unit_amount, currency) * d.quantity
            lines.append(
                InvoiceLine(
                    id=str(uuid.uuid4()),
                    description=d.description,
                    quantity=d.quantity,
                    unit_amount=d.unit_amount,
                    amount=amount.amount,
                    tax_rate=rate.rate,
                    tax_amount=line_tax(amount, rate.as_decimal).amount,
                    subscription_id=d.subscription_id,
                    renewal_id=d.renewal_id,
                    period_start=d.period_start,
                    period_end=d.period_end,
                )
            )
        subtotal = sum(line.amount for line in lines)
        tax = sum(line.tax_amount for line in lines)
        return cls(
            id=str(uuid.uuid4()),
            csn=customer.csn,
            number=number,
            status=InvoiceStatus.OPEN,
            currency=currency,
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            amount_paid=0,
            issue_date=today,
            due_date=today + timedelta(days=customer.net_terms_days),
            collection=collection,
            source_key=source_key,
            bill_to="\n".join(customer.address_lines()),
            tax_name=rate.name,
            payment_method_id=payment_method_id,
            lines=lines,
        )

    @property
    def amount_due(self) -> int:
        return max(self.total - self.amount_paid, 0)

    def display_status(self, today: date) -> str:
        """Overdue is derived from the due date, never stored (R-INV-1)."""
        if self.status == InvoiceStatus.OPEN and self.due_date < today:
            return "overdue"
        return self.status.value

    def apply_payment(self, charge_id: str, amount: int, now: datetime) -> bool:
        """Apply one charge once; True only on the call that pays the invoice in full."""
        if self.status != InvoiceStatus.OPEN or any(
            p.charge_id == charge_id for p in self.payments
        ):
            return False
        applied = min(amount, self.amount_due)
        self.payments.append(InvoicePayment(charge_id=charge_id, amount=applied, applied_at=now))
        self.amount_paid += applied
        self.last_payment_error = None
        if self.amount_due == 0:
            self.status = InvoiceStatus.PAID
            self.paid_at = now
            return True
        return False

    def record_payment_error(self, reason: str) -> None:
        if self.status == InvoiceStatus.OPEN:
            self.last_payment_error = reason


def invoice_number(csn: str, sequence: int) -> str:
    """Sequential per account, no gaps: the counter moves in the invoice's transaction (R-INV-1)."""
    return f"{csn}-{sequence:06d}"
