"""HTTP routes of the quotes service (called by the gateway only): validate, build a command,
call a handler."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.quotes.config import Settings
from services.quotes.domain import commands
from services.quotes.domain.drafting import LineRequest, QuoteRequest
from services.quotes.domain.eligibility import Ineligible, RenewalGroup
from services.quotes.domain.model import Address, LineKind, Quote, QuoteOrigin
from services.quotes.service_layer import handlers
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.errors import DomainError, Forbidden
from shared.http import CurrentPrincipal, RequestBody
from shared.pagination import Page, PageDep
from shared.principal import BILLING_ROLES, Principal, Role
from shared.runtime import service_of, uow_for_request

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])
partner_router = APIRouter(prefix="/v1/partner/quotes", tags=["partner quotes"])
UowDep = Annotated[QuotesUnitOfWork, Depends(uow_for_request)]

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]
Term = Literal["monthly", "annual", "three_year"]


def _settings(request: Request) -> Settings:
    return service_of(request).settings  # type: ignore[return-value]


SettingsDep = Annotated[Settings, Depends(_settings)]


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


# --- who is calling ----------------------------------------------------------------------------
def _customer(principal: Principal) -> commands.Caller:
    if not principal.has_any(BILLING_ROLES):
        raise Forbidden("Quotes are for admins, contract managers and buyers (R-ROLE-1).")
    return commands.Caller(principal)


def _partner(principal: Principal) -> commands.Caller:
    if Role.PARTNER not in principal.roles or not principal.partner_csn:
        raise DomainError(
            "partner_identity_missing",
            "Partner quotes need a partner token carrying your partner CSN.",
            status=403,
        )
    return commands.Caller(principal, as_partner=True)


def _reader(principal: Principal) -> commands.Caller:
    """People of the account read all its quotes; a partner only the quotes it made."""
    if principal.has_any(BILLING_ROLES):
        return commands.Caller(principal)
    return _partner(principal)


# --- customer routes ---------------------------------------------------------------------------
@router.get("", response_model=Page[QuoteOut], summary="Active quotes of the account (R-QUO-1)")
async def list_quotes(
    principal: CurrentPrincipal,
    page: PageDep,
    uow: UowDep,
    origin: Annotated[
        QuoteOrigin | None, Query(description="partner, self_service, automatic")
    ] = None,
) -> Page[QuoteOut]:
    caller = _reader(principal)
    if caller.as_partner:
        origin = QuoteOrigin.PARTNER
    today = uow.clock.today()
    items, total = await uow.quotes.list_active(
        caller.csn,
        today,
        limit=page.limit,
        offset=page.offset,
        origin=origin,
        partner_csn=caller.partner_csn,
    )
    return Page(
        items=[QuoteOut.of(q, today) for q in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/renewal-groups",
    response_model=RenewalGroupsOut,
    summary="Eligible subscriptions grouped by CSN, currency and purchase method (R-QUO-4)",
)
async def renewal_groups(
    body: RenewalGroupsIn, principal: CurrentPrincipal, uow: UowDep
) -> RenewalGroupsOut:
    cmd = commands.GroupForRenewalQuote(_customer(principal), body.subscription_ids)
    return RenewalGroupsOut.of(*await handlers.group_subscriptions(cmd, uow))


@router.post("", response_model=QuoteOut, status_code=201, summary="Draft a renewal quote")
async def create_quote(
    body: QuoteIn, principal: CurrentPrincipal, uow: UowDep, settings: SettingsDep
) -> QuoteOut:
    cmd = commands.CreateQuote(
        _customer(principal), body.quote_request(), body.recipients, settings.quote_validity_days
    )
    return QuoteOut.of(await handlers.create_quote(cmd, uow), uow.clock.today())


@router.get("/{quote_id}", response_model=QuoteOut, summary="One quote with its lines")
async def get_quote(quote_id: Id, principal: CurrentPrincipal, uow: UowDep) -> QuoteOut:
    quote = await handlers.get_quote(_reader(principal), quote_id, uow)
    return QuoteOut.of(quote, uow.clock.today())


def _change(caller: commands.Caller, quote_id: str, body: QuoteChangeIn) -> commands.ChangeQuote:
    address = body.billing_address
    return commands.ChangeQuote(
        caller=caller,
        quote_id=quote_id,
        request=body.quote_request(),
        replace_lines=body.subscription_ids is not None or body.lines is not None,
        recipients=body.recipients,
        billing_address=Address(**address.model_dump()) if address else None,
    )


@router.patch("/{quote_id}", response_model=QuoteOut, summary="Adjust a draft quote")
async def change_quote(
    quote_id: Id, body: QuoteChangeIn, principal: CurrentPrincipal, uow: UowDep
) -> QuoteOut:
    quote = await handlers.change_quote(_change(_customer(principal), quote_id, body), uow)
    return QuoteOut.of(quote, uow.clock.today())


@router.post("/{quote_id}/send", response_model=QuoteOut, summary="Send to its recipients")
async def send_quote(quote_id: Id, principal: CurrentPrincipal, uow: UowDep) -> QuoteOut:
    quote = await handlers.send_quote(commands.SendQuote(_customer(principal), quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())


@router.post("/{quote_id}/accept", response_model=QuoteOut, summary="Buy (R-QUO-2)")
async def accept_quote(
    quote_id: Id, principal: CurrentPrincipal, uow: UowDep, body: AcceptIn | None = None
) -> QuoteOut:
    cmd = commands.AcceptQuote(
        _customer(principal), quote_id, body.payment_method_id if body else None
    )
    return QuoteOut.of(await handlers.accept_quote(cmd, uow), uow.clock.today())


@router.post("/{quote_id}/cancel", response_model=QuoteOut, summary="Refused: the partner cancels")
async def cancel_quote(quote_id: Id, principal: CurrentPrincipal, uow: UowDep) -> QuoteOut:
    quote = await handlers.cancel_quote(commands.CancelQuote(_customer(principal), quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())


# --- partner routes (R-QUO-3) ------------------------------------------------------------------
@partner_router.post(
    "", response_model=QuoteOut, status_code=201, summary="Draft a quote for a customer"
)
async def create_partner_quote(
    body: PartnerQuoteIn, principal: CurrentPrincipal, uow: UowDep, settings: SettingsDep
) -> QuoteOut:
    cmd = commands.CreateQuote(
        _partner(principal),
        body.quote_request(),
        body.recipients,
        body.validity_days or settings.quote_validity_days,
    )
    return QuoteOut.of(await handlers.create_quote(cmd, uow), uow.clock.today())


@partner_router.patch("/{quote_id}", response_model=QuoteOut, summary="Adjust a draft")
async def change_partner_quote(
    quote_id: Id, body: QuoteChangeIn, principal: CurrentPrincipal, uow: UowDep
) -> QuoteOut:
    quote = await handlers.change_quote(_change(_partner(principal), quote_id, body), uow)
    return QuoteOut.of(quote, uow.clock.today())


@partner_router.post("/{quote_id}/send", response_model=QuoteOut, summary="Send the quote")
async def send_partner_quote(quote_id: Id, principal: CurrentPrincipal, uow: UowDep) -> QuoteOut:
    quote = await handlers.send_quote(commands.SendQuote(_partner(principal), quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())


@partner_router.post("/{quote_id}/cancel", response_model=QuoteOut, summary="Cancel the quote")
async def cancel_partner_quote(quote_id: Id, principal: CurrentPrincipal, uow: UowDep) -> QuoteOut:
    quote = await handlers.cancel_quote(commands.CancelQuote(_partner(principal), quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())
