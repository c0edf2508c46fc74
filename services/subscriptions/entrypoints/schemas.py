"""Request and response bodies of the subscriptions API, and how a subscription, a seat
change, a bulk outcome or a cart is shown. A plain user's view carries no billing data
(R-ROLE-1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field

from services.subscriptions.adapters.repository import SORTS
from services.subscriptions.domain.cart import RenewalCart
from services.subscriptions.service_layer.changes import ItemOutcome, SeatsResult
from services.subscriptions.service_layer.messages import described
from services.subscriptions.service_layer.views import SubscriptionView
from shared.http import RequestBody

TermName = Literal["monthly", "annual", "three_year"]
StatusName = Literal["trial", "active", "expired", "cancelled"]
PurchaseMethodName = Literal["online_direct", "partner", "quote"]
KindName = Literal["card", "wallet", "bank_transfer", "alipay", "convenience_store"]
SortName = Literal[
    "renewal_date",
    "product",
    "seats",
    "status",
    "start_date",
    "id",
    "-renewal_date",
    "-product",
    "-seats",
    "-status",
    "-start_date",
    "-id",
]
# Every sort the repository knows, ascending then descending (the OpenAPI enum's order).
assert get_args(SortName) == tuple(SORTS) + tuple(f"-{s}" for s in SORTS)
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


def subscription_out(view: SubscriptionView, sees_billing_data: bool) -> SubscriptionOut:
    s, method = view.subscription, view.method
    renewal = s.next_renewal()
    out = SubscriptionOut(
        **described(s),
        id=s.id,
        team_name=view.team_name,
        unit_price_amount=s.unit_price_amount,
        currency=s.currency,
        renews_automatically=s.renews_automatically(method),
        days_to_renewal=s.days_to_renewal(view.today),
        payment_method_kind=method.kind.value if method else None,
        payment_method_label=method.label if method else None,
        assigned_to=s.assigned_to,
        renewal_pending_for=s.renewal_pending_for,
        unit_price_at_renewal=renewal.unit_price.amount,
        renewal_amount=renewal.amount.amount,
        manual_renewal_opens_on=s.manual_renewal_opens_on,
        expired_on=s.expired_on,
    )
    if not sees_billing_data:  # R-ROLE-1
        return out.model_copy(update=dict.fromkeys(BILLING_FIELDS))
    return out


class OutcomeOut(BaseModel):
    subscription_id: str
    outcome: Literal["changed", "unchanged", "refused", "not_found"]
    code: str | None = None
    message: str | None = None


def outcome_out(o: ItemOutcome) -> OutcomeOut:
    return OutcomeOut(**o.__dict__)


class BulkOut(BaseModel):
    """Per-item outcomes: each subscription stands alone (see README, bulk operations)."""

    changed: int
    unchanged: int
    refused: int
    not_found: int
    results: list[OutcomeOut]


def bulk_out(outcomes: list[ItemOutcome]) -> BulkOut:
    counts = {
        k: sum(o.outcome == k for o in outcomes)
        for k in ("changed", "unchanged", "refused", "not_found")
    }
    return BulkOut(**counts, results=[outcome_out(o) for o in outcomes])


class AutoRenewIn(RequestBody):
    auto_renew: bool


class BulkAutoRenewIn(RequestBody):
    subscription_ids: Ids
    auto_renew: bool


class LinkIn(RequestBody):
    subscription_ids: Ids


class TermIn(RequestBody):
    term: TermName


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


def seats_out(r: SeatsResult, sub_id: str, currency: str) -> SeatsOut:
    c = r.change
    return SeatsOut(
        subscription_id=sub_id,
        change=c.change,
        previous_seats=c.previous_seats,
        seats=c.seats,
        effective_on=c.effective_on,
        prorated_amount=None if c.prorated is None else c.prorated.amount,
        currency=currency,
        order_id=str(c.order_id) if c.order_id else None,
        payment_method_id=r.payment_method_id,
    )


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


def cart_out(cart: RenewalCart) -> CartOut:
    return CartOut(
        id=cart.id,
        status=cart.status,
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


class CheckoutIn(RequestBody):
    payment_method_id: str | None = Field(
        default=None,
        max_length=64,
        description="Card or wallet: charged now. Manual-only method or none: invoice on terms.",
    )
