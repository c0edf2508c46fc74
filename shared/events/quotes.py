"""Events the quotes service publishes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import EventData, MoneyField, Term

QuoteOrigin = Literal["partner", "self_service", "automatic"]
LineKind = Literal["renewal", "new", "coterm"]


class QuoteLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    line_id: str
    kind: LineKind
    subscription_id: str | None = Field(description="The renewed subscription; None for new")
    renewal_id: uuid.UUID | None = Field(
        default=None, description="Stable id of the renewal this line pays for"
    )
    product_code: str
    product_name: str
    seats: int = Field(ge=1)
    term: Term
    unit_price: MoneyField
    discount: int = Field(ge=0, description="Promotion discount on this line, minor units")
    amount: int = Field(ge=0, description="Net line amount before tax, minor units")
    promotion_codes: list[str] = Field(default_factory=list)
    period_start: date | None = Field(description="For renewals: the current renewal date")
    period_end: date | None = None


class QuoteSent(EventData):
    """A quote went to its recipients (mail and CRM act on it)."""

    topic: ClassVar[str] = "quote-sent"
    quote_id: str
    quote_number: str
    csn: str
    origin: QuoteOrigin
    partner_csn: str | None
    currency: str
    recipients: list[str] = Field(min_length=1)
    subtotal: int
    discount_total: int
    tax: int = Field(description="Estimated tax; the invoice computes the final amount")
    total: int
    expires_on: date
    lines: list[QuoteLine]

    def aggregate_key(self) -> str:
        return self.quote_id


class QuoteAccepted(EventData):
    """A quote became a purchase (R-QUO-2): invoicing creates the order and the invoice;
    subscriptions hold the quoted renewals until that invoice is paid."""

    topic: ClassVar[str] = "quote-accepted"
    quote_id: str
    quote_number: str
    csn: str
    origin: QuoteOrigin
    partner_csn: str | None
    currency: str
    accepted_by: str
    accepted_at: datetime
    payment_method_id: str | None = Field(description="None: invoice on the customer's terms")
    subtotal: int
    discount_total: int
    lines: list[QuoteLine] = Field(min_length=1)

    def aggregate_key(self) -> str:
        return self.quote_id


CONTRACTS: tuple[type[EventData], ...] = (QuoteSent, QuoteAccepted)
