"""HTTP routes of the subscriptions service (called by the gateway only). Thin: parse, call a
handler, shape the answer. Rules live in the domain; scoping by account in the repository."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.subscriptions.adapters.repository import SORTS, ListQuery
from services.subscriptions.domain.model import (
    MANUAL_RENEWAL_WINDOW_DAYS,
    RenewalCart,
    Status,
    Subscription,
    Term,
)
from services.subscriptions.service_layer import handlers
from services.subscriptions.service_layer.handlers import ItemOutcome, visible_to
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.errors import DomainError, NotFound
from shared.http import CurrentPrincipal, RequestBody, file_responses
from shared.money import Money
from shared.pagination import Page, PageDep
from shared.principal import Principal
from shared.runtime import uow_for_request

router = APIRouter(tags=["subscriptions"])
UowDep = Annotated[SubscriptionsUnitOfWork, Depends(uow_for_request)]

TermName = Literal["monthly", "annual", "three_year"]
StatusName = Literal["trial", "active", "expired", "cancelled"]
PurchaseMethodName = Literal["online_direct", "partner", "quote"]
KindName = Literal["card", "wallet", "bank_transfer", "alipay", "convenience_store"]
SortName = Literal[tuple(SORTS) + tuple(f"-{s}" for s in SORTS)]  # type: ignore[valid-type]
Ids = Annotated[list[str], Field(min_length=1, max_length=1000)]


_BILLING = "Billing data: null for a plain user, who sees none (R-ROLE-1)."
BILLING_FIELDS = frozenset(
    {
        "unit_price_amount",
        "payment_method_id",
        "payment_method_kind",
        "payment_method_label",
        "payment_error",
        "unit_price_at_renewal",
        "renewal_amount",
    }
)


class SubscriptionOut(BaseModel):
    """Every field of R-SUB-1, plus what the next renewal will be."""

    id: str
    csn: str
    contract_id: str | None
    team_id: str
    team_name: str | None = None
    product_code: str
    product_name: str
    seats: int
    term: str
    unit_price_amount: int | None = Field(description=_BILLING)
    currency: str
    auto_renew: bool
    renews_automatically: bool
    start_date: date
    renewal_date: date
    days_to_renewal: int
    status: str
    purchase_method: str
    payment_method_id: str | None = Field(description=_BILLING)
    payment_method_kind: str | None = Field(description=_BILLING)
    payment_method_label: str | None = Field(description=_BILLING)
    partner_csn: str | None
    assigned_to: str | None
    renewal_pending_for: date | None
    payment_error: str | None = Field(description=_BILLING)
    seats_at_renewal: int
    term_at_renewal: str
    unit_price_at_renewal: int | None = Field(description=_BILLING)
    renewal_amount: int | None = Field(
        description="Next renewal before tax, minor units. " + _BILLING
    )
    manual_renewal_opens_on: date
    expired_on: date | None


async def _out(
    uow: SubscriptionsUnitOfWork, subs: list[Subscription], principal: Principal
) -> list[SubscriptionOut]:
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs if s.payment_method_id]
    )
    team_names = await uow.subscriptions.teams_of(principal.csn)
    today = uow.clock.today()
    out = []
    for s in subs:
        method = methods.get(s.payment_method_id or "")
        renewal = s.next_renewal()
        out.append(
            SubscriptionOut(
                id=s.id,
                csn=s.csn,
                contract_id=s.contract_id,
                team_id=s.team_id,
                team_name=team_names.get(s.team_id),
                product_code=s.product_code,
                product_name=s.product_name,
                seats=s.seats,
                term=s.term.value,
                unit_price_amount=s.unit_price_amount,
                currency=s.currency,
                auto_renew=s.auto_renew,
                renews_automatically=s.renews_automatically(method),
                start_date=s.start_date,
                renewal_date=s.renewal_date,
                days_to_renewal=s.days_to_renewal(today),
                status=s.status.value,
                purchase_method=s.purchase_method.value,
                payment_method_id=s.payment_method_id,
                payment_method_kind=method.kind.value if method else None,
                payment_method_label=method.label if method else None,
                partner_csn=s.partner_csn,
                assigned_to=s.assigned_to,
                renewal_pending_for=s.renewal_pending_for,
                payment_error=s.payment_error,
                seats_at_renewal=renewal.seats,
                term_at_renewal=renewal.term.value,
                unit_price_at_renewal=renewal.unit_price.amount,
                renewal_amount=renewal.amount.amount,
                manual_renewal_opens_on=date.fromordinal(
                    s.renewal_date.toordinal() - MANUAL_RENEWAL_WINDOW_DAYS
                ),
                expired_on=s.expired_on,
            )
        )
    if not principal.sees_billing_data:  # R-ROLE-1
        return [o.model_copy(update=dict.fromkeys(BILLING_FIELDS)) for o in out]
    return out


def list_query(
    product: Annotated[
        str | None, Query(max_length=200, description="Product code or name")
    ] = None,
    status: Annotated[list[StatusName] | None, Query(description="Repeat for several")] = None,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
    term: TermName | None = None,
    auto_renew: bool | None = None,
    payment_method_id: Annotated[str | None, Query(max_length=64)] = None,
    payment_method_kind: KindName | None = None,
    purchase_method: PurchaseMethodName | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    csn: Annotated[str | None, Query(max_length=32)] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    contract_id: Annotated[str | None, Query(max_length=64)] = None,
    partner_csn: Annotated[str | None, Query(max_length=32)] = None,
    payment_error: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Free-text search")] = None,
    sort: Annotated[
        SortName, Query(description="Field, '-' prefix for descending")
    ] = "renewal_date",
) -> ListQuery:
    return ListQuery(
        product=product,
        status=list(status or []),
        team_id=team_id,
        term=term,
        auto_renew=auto_renew,
        payment_method_id=payment_method_id,
        payment_method_kind=payment_method_kind,
        purchase_method=purchase_method,
        expiring_within_days=expiring_within_days,
        csn=csn,
        currency=currency,
        contract_id=contract_id,
        partner_csn=partner_csn,
        payment_error=payment_error,
        q=q,
        sort=str(sort).lstrip("-"),
        descending=str(sort).startswith("-"),
    )


QueryDep = Annotated[ListQuery, Depends(list_query)]


@router.get(
    "/v1/subscriptions",
    response_model=Page[SubscriptionOut],
    summary="List, filter and search the account's subscriptions (R-SUB-2)",
)
async def list_subscriptions(
    principal: CurrentPrincipal, page: PageDep, query: QueryDep, uow: UowDep
) -> Page[SubscriptionOut]:
    items, total = await uow.subscriptions.list(
        principal.csn,
        query,
        uow.clock.today(),
        limit=page.limit,
        offset=page.offset,
        assigned_to=visible_to(principal),
    )
    return Page(
        items=await _out(uow, items, principal),
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/v1/subscriptions/summary", summary="Product cards and alerts (R-SUM-1, R-SUM-2)")
async def subscriptions_summary(principal: CurrentPrincipal, uow: UowDep) -> dict[str, Any]:
    return await handlers.summary(uow, principal)


CSV_COLUMNS = [
    "id",
    "contract_id",
    "product_code",
    "product_name",
    "team_id",
    "team_name",
    "seats",
    "term",
    "unit_price",
    "currency",
    "auto_renew",
    "start_date",
    "renewal_date",
    "status",
    "purchase_method",
    "payment_method",
    "csn",
    "partner_csn",
    "assigned_to",
    "seats_at_renewal",
    "term_at_renewal",
    "renewal_amount",
    "payment_error",
]
BILLING_CSV_COLUMNS = frozenset({"unit_price", "payment_method", "renewal_amount", "payment_error"})


def csv_columns(principal: Principal) -> list[str]:
    """A plain user's export carries no price, card or payment column (R-ROLE-1)."""
    if principal.sees_billing_data:
        return CSV_COLUMNS
    return [c for c in CSV_COLUMNS if c not in BILLING_CSV_COLUMNS]


CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS)
    + "\r\nsub-acme-cad,ctr-acme-1,CAD-PRO,CAD Pro,team-acme-eng,Engineering,10,annual,1200.00,"
    "EUR,True,2025-03-01,2027-03-01,active,online,Visa •••• 4242,5100000001,,,10,annual,"
    "12000.00,\r\n"
)


def _cell(value: Any) -> str:
    """Plain text; a leading = + - @ is neutralised so spreadsheets don't run it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _money_text(amount: int | None, currency: str) -> str | None:
    return None if amount is None else Money(amount, currency).text()


def _csv_row(s: SubscriptionOut, columns: list[str]) -> list[str]:
    values = {
        **s.model_dump(),
        "unit_price": _money_text(s.unit_price_amount, s.currency),
        "renewal_amount": _money_text(s.renewal_amount, s.currency),
        "payment_method": s.payment_method_label or s.payment_method_id,
    }
    return [_cell(values[c]) for c in columns]


def _csv_response(
    rows: AsyncIterator[list[list[str]]], columns: list[str], filename: str
) -> StreamingResponse:
    async def body() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        async for batch in rows:
            writer.writerows(batch)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/v1/subscriptions/export.csv",
    summary="CSV of a filtered list, or of a selection with ids=… (R-SUB-3)",
    response_class=StreamingResponse,
    responses=file_responses("text/csv", "One line per subscription", CSV_EXAMPLE),
)
async def export_subscriptions(
    principal: CurrentPrincipal,
    query: QueryDep,
    uow: UowDep,
    ids: Annotated[list[str] | None, Query(max_length=1000, description="A selection")] = None,
) -> StreamingResponse:
    query.ids = [i for raw in ids or [] for i in raw.split(",") if i]
    today = uow.clock.today()
    columns = csv_columns(principal)

    async def rows() -> AsyncIterator[list[list[str]]]:
        async for batch in uow.subscriptions.stream(
            principal.csn, query, today, visible_to(principal)
        ):
            yield [_csv_row(s, columns) for s in await _out(uow, batch, principal)]

    stamp = today.isoformat()
    return _csv_response(rows(), columns, f"subscriptions-{principal.csn}-{stamp}.csv")


async def _visible(
    uow: SubscriptionsUnitOfWork, principal: CurrentPrincipal, sub_id: str
) -> Subscription:
    sub = await uow.subscriptions.get(principal.csn, sub_id)
    viewer = visible_to(principal)
    if sub is None or (viewer is not None and sub.assigned_to != viewer):
        raise NotFound("subscription", sub_id)
    return sub


@router.get(
    "/v1/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="One subscription (R-SUB-2)",
)
async def get_subscription(
    subscription_id: str, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    sub = await _visible(uow, principal, subscription_id)
    return (await _out(uow, [sub], principal))[0]


@router.get(
    "/v1/subscriptions/{subscription_id}/export.csv",
    summary="CSV of one subscription (R-SUB-3)",
    response_class=StreamingResponse,
    responses=file_responses("text/csv", "The subscription as one CSV line", CSV_EXAMPLE),
)
async def export_subscription(
    subscription_id: str, principal: CurrentPrincipal, uow: UowDep
) -> StreamingResponse:
    sub = await _visible(uow, principal, subscription_id)
    columns = csv_columns(principal)
    row = _csv_row((await _out(uow, [sub], principal))[0], columns)

    async def rows() -> AsyncIterator[list[list[str]]]:
        yield [row]

    return _csv_response(rows(), columns, f"subscription-{sub.id}.csv")


# --- auto-renew, payment method, term ---------------------------------------------------------


class OutcomeOut(BaseModel):
    subscription_id: str
    outcome: Literal["changed", "unchanged", "refused", "not_found"]
    code: str | None = None
    message: str | None = None


class BulkOut(BaseModel):
    """Per-item outcomes: each subscription stands alone (see README, bulk operations)."""

    changed: int
    unchanged: int
    refused: int
    not_found: int
    results: list[OutcomeOut]


def _bulk(outcomes: list[ItemOutcome]) -> BulkOut:
    counts = {
        k: sum(o.outcome == k for o in outcomes)
        for k in ("changed", "unchanged", "refused", "not_found")
    }
    return BulkOut(**counts, results=[OutcomeOut(**o.__dict__) for o in outcomes])


class AutoRenewIn(RequestBody):
    auto_renew: bool


class BulkAutoRenewIn(RequestBody):
    subscription_ids: Ids
    auto_renew: bool


@router.put(
    "/v1/subscriptions/{subscription_id}/auto-renew",
    response_model=SubscriptionOut,
    summary="Turn auto-renew on or off (R-SUB-4, R-SUB-5, R-SUB-9)",
)
async def put_auto_renew(
    subscription_id: str, body: AutoRenewIn, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    [outcome] = await handlers.set_auto_renew(uow, principal, [subscription_id], body.auto_renew)
    if outcome.outcome == "not_found":
        raise NotFound("subscription", subscription_id)
    if outcome.outcome == "refused":
        raise DomainError(outcome.code or "refused", outcome.message or "", status=409)
    return await get_subscription(subscription_id, principal, uow)


@router.post(
    "/v1/subscriptions/auto-renew",
    response_model=BulkOut,
    summary="Auto-renew on or off for up to 100 subscriptions (R-SUB-4)",
)
async def bulk_auto_renew(
    body: BulkAutoRenewIn, principal: CurrentPrincipal, uow: UowDep
) -> BulkOut:
    return _bulk(
        await handlers.set_auto_renew(uow, principal, body.subscription_ids, body.auto_renew)
    )


class LinkIn(RequestBody):
    subscription_ids: Ids


@router.post(
    "/v1/payment-methods/{method_id}/subscriptions",
    response_model=BulkOut,
    summary="Pay several subscriptions with one saved method (R-PAY-1, R-SUB-9)",
)
async def link_method(
    method_id: str, body: LinkIn, principal: CurrentPrincipal, uow: UowDep
) -> BulkOut:
    return _bulk(
        await handlers.link_payment_method(uow, principal, method_id, body.subscription_ids)
    )


class TermIn(RequestBody):
    term: TermName


@router.put(
    "/v1/subscriptions/{subscription_id}/term",
    response_model=SubscriptionOut,
    summary="Change the term from the next renewal, at the new price (R-SUB-8)",
)
async def put_term(
    subscription_id: str, body: TermIn, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    await handlers.change_term(uow, principal, subscription_id, Term(body.term))
    return await get_subscription(subscription_id, principal, uow)


# --- seats ------------------------------------------------------------------------------------


class SeatsIn(RequestBody):
    seats: int = Field(ge=1, le=100_000)
    payment_method_id: str | None = Field(default=None, max_length=64)


class SeatsOut(BaseModel):
    subscription_id: str
    change: Literal["added", "reduced"]
    previous_seats: int
    seats: int
    effective_on: date
    prorated_amount: int | None = Field(description="Charged now before tax (added seats)")
    currency: str
    order_id: str | None = Field(
        description="The order placed for added seats; null in a preview, which places none"
    )
    payment_method_id: str | None
    rounding: str = (
        "unit price x added seats x days left in the term / days in the term, rounded half up"
        " to the minor unit once on the total; tax is added on the invoice"
    )


def _seats_out(r: handlers.SeatsResult, sub_id: str, currency: str) -> SeatsOut:
    return SeatsOut(
        subscription_id=sub_id,
        change=r.change,  # type: ignore[arg-type]
        previous_seats=r.previous_seats,
        seats=r.seats,
        effective_on=r.effective_on,
        prorated_amount=r.prorated_amount,
        currency=currency,
        order_id=str(r.order_id) if r.order_id else None,
        payment_method_id=r.payment_method_id,
    )


@router.post(
    "/v1/subscriptions/{subscription_id}/seats/preview",
    response_model=SeatsOut,
    summary="Review a seat change before submitting it (R-SEAT-1..3)",
)
async def preview_seats(
    subscription_id: str, body: SeatsIn, principal: CurrentPrincipal, uow: UowDep
) -> SeatsOut:
    sub = await _visible(uow, principal, subscription_id)
    currency = sub.currency
    r = await handlers.change_seats(
        uow, principal, subscription_id, body.seats, body.payment_method_id, preview=True
    )
    return _seats_out(r, subscription_id, currency)


@router.post(
    "/v1/subscriptions/{subscription_id}/seats",
    response_model=SeatsOut,
    status_code=201,
    summary="Add seats (charged pro rata now) or reduce them at renewal (R-SEAT-1..3)",
)
async def submit_seats(
    subscription_id: str, body: SeatsIn, principal: CurrentPrincipal, uow: UowDep
) -> SeatsOut:
    r = await handlers.change_seats(
        uow, principal, subscription_id, body.seats, body.payment_method_id
    )
    return _seats_out(r, subscription_id, r.subscription.currency)


# --- manual renewals ----------------------------------------------------------------------------


class SelectionIn(RequestBody):
    subscription_ids: Ids


class GroupOut(BaseModel):
    csn: str
    currency: str
    purchase_method: str
    subscription_ids: list[str]
    subtotal: int


class GroupsOut(BaseModel):
    groups: list[GroupOut]
    ineligible: list[OutcomeOut]


@router.post(
    "/v1/renewals/groups",
    response_model=GroupsOut,
    summary="Which chosen subscriptions can be renewed, grouped by CSN, currency and purchase method (R-SUB-11)",
)
async def renewal_groups(body: SelectionIn, principal: CurrentPrincipal, uow: UowDep) -> GroupsOut:
    result = await handlers.renewal_groups(uow, principal, body.subscription_ids)
    return GroupsOut(
        groups=[GroupOut(**g) for g in result.groups],
        ineligible=[OutcomeOut(**o.__dict__) for o in result.ineligible],
    )


class CartLineOut(BaseModel):
    subscription_id: str
    renewal_id: str
    product_code: str
    product_name: str
    team_id: str
    seats: int
    term: str
    unit_price: int
    amount: int
    tax: int
    period_start: date
    period_end: date


class CartOut(BaseModel):
    id: str
    status: Literal["open", "ordered"]
    csn: str
    currency: str
    purchase_method: str
    lines: list[CartLineOut]
    subtotal: int
    tax: int
    tax_name: str
    total: int
    created_by: str
    created_at: datetime
    order_id: str | None
    collection: str | None
    payment_method_id: str | None
    ordered_at: datetime | None


def _cart_out(cart: RenewalCart) -> CartOut:
    return CartOut(
        id=cart.id,
        status=cart.status,  # type: ignore[arg-type]
        csn=cart.csn,
        currency=cart.currency,
        purchase_method=cart.purchase_method.value,
        lines=[CartLineOut(**line) for line in cart.lines],
        subtotal=cart.subtotal_amount,
        tax=cart.tax_amount,
        tax_name=cart.tax_name,
        total=cart.total_amount,
        created_by=cart.created_by,
        created_at=cart.created_at,
        order_id=cart.id if cart.status == "ordered" else None,
        collection=cart.collection,
        payment_method_id=cart.payment_method_id,
        ordered_at=cart.ordered_at,
    )


@router.post(
    "/v1/renewal-carts",
    response_model=CartOut,
    status_code=201,
    summary="Put a manual renewal in a cart: prices, tax, total (R-SUB-10, R-SUB-11)",
)
async def create_cart(body: SelectionIn, principal: CurrentPrincipal, uow: UowDep) -> CartOut:
    return _cart_out(await handlers.create_cart(uow, principal, body.subscription_ids))


@router.get("/v1/renewal-carts/{cart_id}", response_model=CartOut, summary="One renewal cart")
async def get_cart(cart_id: str, principal: CurrentPrincipal, uow: UowDep) -> CartOut:
    return _cart_out(await handlers.get_cart(uow, principal, cart_id))


class CheckoutIn(RequestBody):
    payment_method_id: str | None = Field(
        default=None,
        max_length=64,
        description="Card or wallet: charged now. Manual-only method or none: invoice on terms.",
    )


@router.post(
    "/v1/renewal-carts/{cart_id}/checkout",
    response_model=CartOut,
    status_code=202,
    summary="Complete the purchase: one order for the cart (R-SUB-10, R-SUB-12)",
)
async def checkout(
    cart_id: str, body: CheckoutIn, principal: CurrentPrincipal, uow: UowDep
) -> CartOut:
    return _cart_out(await handlers.checkout_cart(uow, principal, cart_id, body.payment_method_id))


__all__ = ["Status", "router"]
