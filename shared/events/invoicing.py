"""Events the invoicing service publishes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Collection, EventData

InvoiceLineKind = Literal["renewal", "new", "coterm", "seats_added"]


class InvoiceLineRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    subscription_id: str | None = None
    renewal_id: uuid.UUID | None = None
    period_start: date | None = None
    period_end: date | None = None
    amount: int = Field(description="Line amount before tax, minor units")
    kind: InvoiceLineKind | None = Field(
        default=None,
        description="What the line buys; only `renewal` lines extend a subscription's term",
    )
    seats: int | None = Field(
        default=None,
        ge=1,
        description="Renewal lines: the seats of the term paid for (period_start to period_end)",
    )
    unit_amount: int | None = Field(
        default=None,
        ge=0,
        description="Renewal lines: the price of one seat for that term, before promotions",
    )


class InvoiceIssued(EventData):
    topic: ClassVar[str] = "invoice-issued"
    invoice_id: str
    invoice_number: str
    csn: str
    currency: str
    subtotal: int
    tax: int
    total: int
    amount_due: int
    issue_date: date
    due_date: date
    collection: Collection
    payment_method_id: str | None
    lines: list[InvoiceLineRef]
    order_id: str | None = Field(default=None, description="The order this invoice bills")

    def aggregate_key(self) -> str:
        return self.invoice_id


class InvoicePaid(EventData):
    """Paid in full; what extends a renewed subscription."""

    topic: ClassVar[str] = "invoice-paid"
    invoice_id: str
    invoice_number: str
    csn: str
    currency: str
    total: int
    paid_at: datetime
    lines: list[InvoiceLineRef]
    order_id: str | None = Field(default=None, description="The order this invoice bills")

    def aggregate_key(self) -> str:
        return self.invoice_id


class InvoiceCancelled(EventData):
    """An open, unpaid invoice was cancelled (by a billing agent, or replaced by a newer order
    for the same renewal): nothing is owed on it any more; payments stops collecting it."""

    topic: ClassVar[str] = "invoice-cancelled"
    invoice_id: str
    invoice_number: str
    csn: str
    reason: str
    cancelled_at: datetime
    lines: list[InvoiceLineRef]

    def aggregate_key(self) -> str:
        return self.invoice_id


class BillingAddress(BaseModel):
    model_config = ConfigDict(frozen=True)
    line1: str
    line2: str | None = None
    city: str
    region: str | None = Field(default=None, description="State/province code, e.g. NY, QC")
    postal_code: str | None = None
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class CustomerChanged(EventData):
    """Snapshot of an account's billing details after every change (R-CUST-1); quotes use it
    to estimate tax."""

    topic: ClassVar[str] = "customer-changed"
    csn: str
    company_name: str
    billing_address: BillingAddress
    net_terms_days: int = Field(ge=0)
    tax_id: str | None = Field(default=None, description="VAT / tax registration number")

    def aggregate_key(self) -> str:
        return self.csn


class CreditNoteIssued(EventData):
    """A credit note (R-INV-3). When `refund` is true the amount goes back to the payment
    method of the paid invoice (payments refunds it); otherwise it is credit on the account."""

    topic: ClassVar[str] = "credit-note-issued"
    credit_note_id: str
    credit_note_number: str
    csn: str
    currency: str
    amount: int = Field(ge=1, description="Total credited including tax, minor units")
    invoice_id: str | None
    refund: bool
    reason: str

    def aggregate_key(self) -> str:
        return self.credit_note_id


class InvoicePaymentRequested(EventData):
    """A person paid an open invoice from the invoices tab with a saved method (R-INV-2);
    payments charges it once, keyed by payment_request_id."""

    topic: ClassVar[str] = "invoice-payment-requested"
    payment_request_id: uuid.UUID = Field(description="Idempotency key of this payment")
    invoice_id: str
    invoice_number: str
    csn: str
    currency: str
    amount: int = Field(ge=1, description="Amount to charge, minor units (<= amount due)")
    payment_method_id: str
    requested_by: str

    def aggregate_key(self) -> str:
        return self.invoice_id


CONTRACTS: tuple[type[EventData], ...] = (
    InvoiceIssued,
    InvoicePaid,
    InvoiceCancelled,
    CustomerChanged,
    CreditNoteIssued,
    InvoicePaymentRequested,
)
