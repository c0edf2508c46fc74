"""What the quotes routes take and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.quotes.domain.drafting import LineRequest, QuoteRequest
from services.quotes.domain.eligibility import Ineligible, RenewalGroup
from services.quotes.domain.model import LineKind, Quote
from shared.http import RequestBody

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]
Term = Literal["monthly", "annual", "three_year"]


# --- requests ----------------------------------------------------------------------------------
class LineIn(RequestBody):
    """A renewal (subscription_id; seats and term default to those at renewal), a new purchase
    (product_code, seats, term) or a co-term purchase (product_code, seats, coterm_with)."""

    kind: Literal["renewal", "new", "coterm"] = "renewal"
    subscription_id: Id | None = None
    product_code: Id | None = None
    seats: int | None = Field(default=None, ge=1, le=100_000)
    term: Term | None = None
    coterm_with: Id | None = None
    purchase_option: Literal["standard", "success_plan", "value_based"] = "standard"

    @model_validator(mode="after")
    def _renewal_names_its_subscription(self) -> LineIn:
        if self.kind == "renewal" and self.subscription_id is None:
            raise ValueError("a renewal line needs subscription_id")
        if self.kind != "renewal" and self.subscription_id is not None:
            raise ValueError("only a renewal line names subscription_id")
        return self

    def to_request(self) -> LineRequest:
        return LineRequest(
            kind=LineKind(self.kind),
            subscription_id=self.subscription_id,
            product_code=self.product_code,
            seats=self.seats,
            term=self.term,
            coterm_with=self.coterm_with,
            purchase_option=self.purchase_option,
        )


class QuoteTermsIn(RequestBody):
    subscription_ids: list[Id] | None = Field(
        default=None,
        max_length=100,
        description="Subscriptions of one renewal group; untick one by leaving it out",
    )
    lines: list[LineIn] | None = Field(
        default=None, max_length=100, description="Per-line term and seats, or new purchases"
    )
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    start_date: date | None = Field(default=None, strict=False)  # ISO date string in JSON
    new_credit_line: bool = False

    def line_requests(self) -> list[LineRequest]:
        """Each listed subscription renews (with its adjustments from `lines`, if any), then
        the other lines follow."""
        given = [line.to_request() for line in self.lines or []]
        adjusted = {line.subscription_id: line for line in given if line.subscription_id}
        listed = list(dict.fromkeys(self.subscription_ids or []))
        first = [adjusted.get(i) or LineRequest(subscription_id=i) for i in listed]
        rest = [line for line in given if line.subscription_id not in listed]
        return first + rest

    def quote_request(self) -> QuoteRequest:
        return QuoteRequest(
            lines=self.line_requests(),
            currency=self.currency,
            start_date=self.start_date,
            new_credit_line=self.new_credit_line,
        )


class QuoteIn(QuoteTermsIn):
    recipients: list[Email] = Field(default_factory=list, max_length=50)


class PartnerQuoteIn(QuoteIn):
    validity_days: int | None = Field(
        default=None, ge=1, le=90, description="Days the quote stays valid once sent"
    )


class AddressIn(RequestBody):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=20)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class QuoteChangeIn(QuoteTermsIn):
    recipients: list[Email] | None = Field(default=None, max_length=50)
    billing_address: AddressIn | None = None


class RenewalGroupsIn(RequestBody):
    subscription_ids: list[Id] = Field(min_length=1, max_length=100)


class AcceptIn(RequestBody):
    payment_method_id: Id | None = Field(
        default=None, description="Pay now with this saved method; none: invoice on terms"
    )


# --- responses ---------------------------------------------------------------------------------
class PromotionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    description: str
    amount: int


class QuoteLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    subscription_id: str | None
    product_code: str
    product_name: str
    seats: int
    term: str
    unit_price: int
    list_amount: int
    discount: int
    amount: int
    tax: int
    promotions: list[PromotionOut]
    period_start: date | None
    period_end: date | None


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str


class QuoteOut(BaseModel):
    id: str
    number: str
    csn: str
    origin: str
    status: str
    currency: str
    purchase_method: str
    partner_csn: str | None
    created_by: str
    created_at: datetime
    priced_on: date | None
    sent_at: datetime | None
    validity_days: int
    expires_on: date | None
    recipients: list[str]
    billing_address: AddressOut | None
    tax_rate: str
    tax_name: str
    subtotal: int
    discount_total: int
    tax: int
    total: int
    accepted_at: datetime | None
    accepted_by: str | None
    payment_method_id: str | None
    cancelled_at: datetime | None
    cancellation_reason: str | None = Field(
        default=None, description="Why it was cancelled, e.g. an automatic quote superseded"
    )
    lines: list[QuoteLineOut]

    @classmethod
    def of(cls, quote: Quote, today: date) -> QuoteOut:
        return cls(
            id=quote.id,
            number=quote.number,
            csn=quote.csn,
            origin=quote.origin.value,
            status=quote.display_status(today).value,
            currency=quote.currency,
            purchase_method=quote.purchase_method,
            partner_csn=quote.partner_csn,
            created_by=quote.created_by,
            created_at=quote.created_at,
            priced_on=quote.priced_on,
            sent_at=quote.sent_at,
            validity_days=quote.validity_days,
            expires_on=quote.expires_on,
            recipients=quote.recipients,
            billing_address=(
                AddressOut.model_validate(quote.billing_address) if quote.billing_address else None
            ),
            tax_rate=quote.tax_rate,
            tax_name=quote.tax_name,
            subtotal=quote.subtotal,
            discount_total=quote.discount_total,
            tax=quote.tax,
            total=quote.total,
            accepted_at=quote.accepted_at,
            accepted_by=quote.accepted_by,
            payment_method_id=quote.payment_method_id,
            cancelled_at=quote.cancelled_at,
            cancellation_reason=quote.cancellation_reason,
            lines=[QuoteLineOut.model_validate(line) for line in quote.lines],
        )


class GroupSubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    subscription_id: str
    product_name: str
    seats: int
    term: str
    renewal_date: date
    renewal_amount: int


class RenewalGroupOut(BaseModel):
    csn: str
    currency: str
    purchase_method: str
    partner_csn: str | None
    subscriptions: list[GroupSubscriptionOut]


class IneligibleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    subscription_id: str
    code: str
    reason: str


class RenewalGroupsOut(BaseModel):
    groups: list[RenewalGroupOut]
    ineligible: list[IneligibleOut]

    @classmethod
    def of(cls, groups: list[RenewalGroup], ineligible: list[Ineligible]) -> RenewalGroupsOut:
        return cls(
            groups=[
                RenewalGroupOut(
                    csn=g.key.csn,
                    currency=g.key.currency,
                    purchase_method=g.key.purchase_method,
                    partner_csn=g.key.partner_csn,
                    subscriptions=[GroupSubscriptionOut.model_validate(s) for s in g.subscriptions],
                )
                for g in groups
            ],
            ineligible=[IneligibleOut.model_validate(i) for i in ineligible],
        )
