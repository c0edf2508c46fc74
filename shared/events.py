"""The event envelope and the published event contracts.

These pydantic models are the contract with other company systems: change them
additively only; a breaking change is a new `version`. JSON Schema snapshots of
every contract live in docs/events/ and tests/contracts fails on a breaking change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Term = Literal["monthly", "annual", "three_year"]
Collection = Literal["automatic", "manual"]


class Envelope(BaseModel):
    """The one wrapper every event travels in; `data` holds the contract below."""

    model_config = ConfigDict(extra="forbid")

    event_id: uuid.UUID = Field(description="Unique id; consumers deduplicate on it")
    type: str = Field(description="Event type, equal to its topic", examples=["invoice-paid"])
    version: int = Field(ge=1, description="Contract version of `data`")
    occurred_at: datetime = Field(description="When it happened (UTC)")
    producer: str = Field(description="Service that wrote it", examples=["invoicing"])
    correlation_id: str = Field(description="Request id or root event id of the whole flow")
    causation_id: str | None = Field(default=None, description="event_id that caused this one")
    key: str = Field(description="Aggregate id; also the Kafka message key")
    data: dict[str, Any]


class EventData(BaseModel):
    """Base of every event contract; `topic` and `version` are fixed per class."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    topic: ClassVar[str]
    version: ClassVar[int] = 1

    def aggregate_key(self) -> str:
        raise NotImplementedError


class MoneyField(BaseModel):
    model_config = ConfigDict(frozen=True)
    amount: int = Field(description="Integer minor units", examples=[12900])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class RenewalRequested(EventData):
    """A subscription is due and asks to be renewed for one more term (R-SUB-5)."""

    topic: ClassVar[str] = "renewal-requested"
    renewal_id: uuid.UUID = Field(description="Stable id of this renewal of this term")
    subscription_id: str
    csn: str = Field(description="Customer serial number of the account")
    team_id: str
    product_code: str
    product_name: str
    seats: int = Field(ge=1)
    term: Term
    unit_price: MoneyField = Field(description="Price of one seat for one term")
    period_start: date = Field(description="Old renewal date: the new term starts here (R-SUB-12)")
    period_end: date = Field(description="New renewal date, one term after period_start")
    payment_method_id: str | None
    collection: Collection = Field(description="automatic: charge the saved method")

    def aggregate_key(self) -> str:
        return self.subscription_id


class InvoiceLineRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    subscription_id: str | None = None
    renewal_id: uuid.UUID | None = None
    period_start: date | None = None
    period_end: date | None = None
    amount: int = Field(description="Line amount before tax, minor units")


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

    def aggregate_key(self) -> str:
        return self.invoice_id


class PaymentSucceeded(EventData):
    topic: ClassVar[str] = "payment-succeeded"
    charge_id: str
    invoice_id: str
    csn: str
    amount: int
    currency: str
    payment_method_id: str
    provider_charge_id: str
    attempt: int = Field(ge=1)
    subscription_ids: list[str] = Field(default_factory=list)

    def aggregate_key(self) -> str:
        return self.invoice_id


class PaymentFailed(EventData):
    topic: ClassVar[str] = "payment-failed"
    charge_id: str
    invoice_id: str
    csn: str
    amount: int
    currency: str
    payment_method_id: str | None
    reason: str = Field(examples=["card_declined", "insufficient_funds", "expired_card"])
    message: str
    attempt: int = Field(ge=1)
    subscription_ids: list[str] = Field(default_factory=list)

    def aggregate_key(self) -> str:
        return self.invoice_id


class SubscriptionRenewed(EventData):
    topic: ClassVar[str] = "subscription-renewed"
    subscription_id: str
    csn: str
    renewal_id: uuid.UUID | None
    invoice_id: str
    term: Term
    seats: int
    previous_renewal_date: date
    renewal_date: date

    def aggregate_key(self) -> str:
        return self.subscription_id


class DeadLettered(EventData):
    """A message a consumer could not process, parked with its error."""

    topic: ClassVar[str] = "dead-lettered"
    source_topic: str
    partition: int | None
    offset: int | None
    consumer_group: str
    error: str
    payload: str = Field(description="The original message value, as text")

    def aggregate_key(self) -> str:
        return self.source_topic


CONTRACTS: tuple[type[EventData], ...] = (
    RenewalRequested,
    InvoiceIssued,
    InvoicePaid,
    PaymentSucceeded,
    PaymentFailed,
    SubscriptionRenewed,
    DeadLettered,
)
TOPICS: tuple[str, ...] = tuple(c.topic for c in CONTRACTS if c is not DeadLettered)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
