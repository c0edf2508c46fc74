"""Invoices and customers: pure rules. An issued invoice never changes its lines or totals;
only what is paid or credited against it and its status move (R-INV-1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.errors import DomainError
from shared.money import Money
from shared.tax import NO_TAX, TaxRule, line_tax, rule_for


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"


class LineKind(StrEnum):
    """What a line buys; subscriptions renews only `renewal` lines (R-SUB-12)."""

    RENEWAL = "renewal"
    NEW = "new"
    COTERM = "coterm"
    SEATS_ADDED = "seats_added"


@dataclass(eq=False)
class Customer:
    """Billing details of one account; changes apply to future documents only (R-CUST-1)."""

    csn: str
    company_name: str
    address_line1: str
    city: str
    postal_code: str | None
    country: str  # ISO 3166-1 alpha-2
    region: str | None = None
    net_terms_days: int = 30
    address_line2: str | None = None
    tax_id: str | None = None

    def address_lines(self) -> list[str]:
        """The billing address as printed on documents."""
        region = f" {self.region}" if self.region else ""
        postal = f"{self.postal_code} " if self.postal_code else ""
        lines = [self.company_name, self.address_line1]
        if self.address_line2:
            lines.append(self.address_line2)
        lines += [f"{postal}{self.city}{region}".strip(), self.country]
        if self.tax_id:
            lines.append(f"Tax ID: {self.tax_id}")
        return lines

    def tax_rule(self) -> TaxRule:
        """Tax follows the billing address at the time of each document (R-INV-5)."""
        return rule_for(self.country, self.region)

    def change_details(
        self,
        *,
        company_name: str,
        address_line1: str,
        address_line2: str | None,
        city: str,
        postal_code: str | None,
        region: str | None,
        country: str,
        tax_id: str | None,
    ) -> None:
        """Documents already issued keep their snapshot; only future ones see this (R-CUST-1)."""
        if rule_for(country, region) is NO_TAX:
            raise unsupported_tax_address(country, region)
        self.company_name, self.tax_id = company_name, tax_id
        self.address_line1, self.address_line2 = address_line1, address_line2
        self.city, self.postal_code = city, postal_code
        self.region, self.country = region, country


def unsupported_tax_address(country: str, region: str | None) -> DomainError:
    where = f"{country}/{region}" if region else country
    return DomainError(
        "tax_address_unsupported",
        f"We cannot compute tax for {where} yet (R-INV-5); "
        "check the country code and the state or province code.",
        status=422,
    )


@dataclass(eq=False)
class InvoiceLine:
    id: str
    position: int
    description: str
    quantity: int
    unit_amount: int
    discount: int
    amount: int  # quantity x unit_amount - discount, before tax
    tax_rate: str  # the rate applied, as text: kept on every line (R-INV-5)
    tax_amount: int
    kind: str | None = None
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
    """A line before tax. `amount` defaults to quantity x unit_amount; a lower agreed amount
    (quote promotions, R-QUO-7) shows the difference as a discount."""

    description: str
    quantity: int
    unit_amount: int
    amount: int | None = None
    kind: LineKind | None = None
    subscription_id: str | None = None
    renewal_id: str | None = None
    period_start: date | None = None
    period_end: date | None = None

    def net_amount(self) -> int:
        gross = self.quantity * self.unit_amount
        amount = gross if self.amount is None else self.amount
        if self.quantity < 1 or self.unit_amount < 0 or not 0 <= amount <= gross:
            raise DomainError(
                "line_amount_invalid",
                f"Line {self.description!r}: amount {amount} must lie between 0 and "
                f"{self.quantity} x {self.unit_amount}.",
            )
        return amount


@dataclass(frozen=True)
class PaymentOutcome:
    applied: int  # reduces the amount due
    excess: int  # received but not owed (already paid, cancelled): goes back as credit
    paid_in_full: bool  # this call paid the invoice: publish invoice-paid, once


NOTHING = PaymentOutcome(0, 0, False)


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
    source_key: str  # what caused it (renewal id, order id, quote id): one invoice per source
    bill_to: str  # the billing address as printed, snapshot at issue (R-CUST-1)
    tax_name: str
    payment_method_id: str | None = None
    last_payment_error: str | None = None
    paid_at: datetime | None = None
    order_id: str | None = None
    amount_credited: int = 0
    amount_refunded: int = 0
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None
    lines: list[InvoiceLine] = field(default_factory=list)
    payments: list[InvoicePayment] = field(default_factory=list)

    @classmethod
    def issue(
        cls,
        *,
        customer: Customer,
        rule: TaxRule,
        number: str,
        currency: str,
        drafts: list[LineDraft],
        now: datetime,
        collection: str,
        source_key: str,
        payment_method_id: str | None,
        order_id: str | None = None,
    ) -> Invoice:
        """Tax per line at the billing address's rule, half up; the tax is their sum (R-INV-5).
        Nothing to pay (a free line, a 100% promotion) means paid on issue."""
        if not drafts:
            raise DomainError("invoice_without_lines", "An invoice needs at least one line.")
        if rule is NO_TAX:
            raise unsupported_tax_address(customer.country, customer.region)
        lines = [_line(n, d, currency, rule) for n, d in enumerate(drafts, start=1)]
        subtotal = sum(line.amount for line in lines)
        tax = sum(line.tax_amount for line in lines)
        today = now.date()
        invoice = cls(
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
            tax_name=rule.name,
            payment_method_id=payment_method_id,
            order_id=order_id,
            lines=lines,
        )
        invoice._settle(now)
        return invoice

    @property
    def amount_due(self) -> int:
        if self.status == InvoiceStatus.CANCELLED:
            return 0
        return max(self.total - self.amount_paid - self.amount_credited, 0)

    @property
    def tax_rate(self) -> Decimal:
        """The one rate this invoice was issued with (one billing address, one rule)."""
        return Decimal(self.lines[0].tax_rate) if self.lines else Decimal(0)

    def display_status(self, today: date) -> str:
        """Overdue is derived from the due date, never stored (R-INV-1)."""
        if self.is_overdue(today):
            return "overdue"
        return self.status.value

    def is_overdue(self, today: date) -> bool:
        return self.status == InvoiceStatus.OPEN and self.due_date < today

    def has_charge(self, charge_id: str) -> bool:
        return any(p.charge_id == charge_id for p in self.payments)

    def apply_payment(self, charge_id: str, amount: int, now: datetime) -> PaymentOutcome:
        """Apply one charge once (R-INV-2); what is not owed any more comes back as excess."""
        if amount <= 0 or self.has_charge(charge_id):
            return NOTHING
        applied = min(amount, self.amount_due)
        if applied:
            self.payments.append(
                InvoicePayment(charge_id=charge_id, amount=applied, applied_at=now)
            )
            self.amount_paid += applied
            self.last_payment_error = None
        return PaymentOutcome(applied, amount - applied, applied > 0 and self._settle(now))

    def apply_credit(self, amount: int, payable: int, now: datetime) -> bool:
        """Credit reduces the amount due, never below zero (R-INV-3); True when that paid it."""
        if self.status != InvoiceStatus.OPEN:
            raise invoice_not_open(self)
        if amount < 1 or amount > payable:
            raise DomainError(
                "amount_exceeds_amount_due",
                f"Invoice {self.number} can take at most {Money(payable, self.currency)} in "
                f"credit now (amount due {Money(self.amount_due, self.currency)}, less "
                "payments in progress); lower the amount.",
            )
        self.amount_credited += amount
        return self._settle(now)

    def _settle(self, now: datetime) -> bool:
        if self.status == InvoiceStatus.OPEN and self.amount_due == 0:
            self.status = InvoiceStatus.PAID
            self.paid_at = now
            return True
        return False

    def record_payment_error(self, reason: str) -> None:
        if self.status == InvoiceStatus.OPEN:
            self.last_payment_error = reason

    def cancel(self, reason: str, now: datetime) -> None:
        """Only an open invoice nothing was paid or credited on; otherwise issue a credit note."""
        if self.status != InvoiceStatus.OPEN:
            raise invoice_not_open(self)
        if self.amount_paid or self.amount_credited:
            raise DomainError(
                "invoice_partially_paid",
                f"Invoice {self.number} is partly paid or credited; correct it with a "
                "credit note instead of cancelling it.",
            )
        self.status = InvoiceStatus.CANCELLED
        self.cancelled_at = now
        self.cancellation_reason = reason

    def record_refund(self, amount: int) -> None:
        """Money sent back by payments for a refund credit note; never more than was paid."""
        self.amount_refunded = min(self.amount_refunded + amount, self.amount_paid)


def invoice_not_open(invoice: Invoice) -> DomainError:
    return DomainError(
        "invoice_not_open",
        f"Invoice {invoice.number} is {invoice.status.value}; only open invoices can be "
        "paid, credited or cancelled.",
    )


def _line(position: int, draft: LineDraft, currency: str, rule: TaxRule) -> InvoiceLine:
    amount = draft.net_amount()
    return InvoiceLine(
        id=str(uuid.uuid4()),
        position=position,
        description=draft.description,
        quantity=draft.quantity,
        unit_amount=draft.unit_amount,
        discount=draft.quantity * draft.unit_amount - amount,
        amount=amount,
        tax_rate=str(rule.rate),
        tax_amount=line_tax(Money(amount, currency), rule.rate).amount,
        kind=draft.kind.value if draft.kind else None,
        subscription_id=draft.subscription_id,
        renewal_id=draft.renewal_id,
        period_start=draft.period_start,
        period_end=draft.period_end,
    )


def invoice_number(csn: str, sequence: int) -> str:
    """Sequential per account, no gaps: the counter moves in the invoice's transaction (R-INV-1)."""
    return f"{csn}-{sequence:06d}"
