"""What the account sees (R-SUB-2, R-SUB-3, R-SUM-1, R-SUM-2): lists, one subscription, the
CSV export's rows and the dashboard's cards and alerts. Read only; a plain user sees only the
subscriptions assigned to them and no billing data (R-ROLE-1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.subscriptions.adapters.repository import ListQuery
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.rules import EXPIRING_SOON_DAYS, LAST_CHANCE_DAYS
from services.subscriptions.domain.values import Status
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.errors import DomainError, NotFound
from shared.principal import Principal


def assigned_only_to(principal: Principal) -> str | None:
    """Plain users see only the subscriptions assigned to them (R-ROLE-1)."""
    return None if principal.sees_billing_data else principal.subject


BILLING_FILTERS = ("payment_method_id", "payment_method_kind", "payment_error")


def refuse_billing_filters(principal: Principal, query: ListQuery) -> None:
    """A plain user sees no billing data (R-ROLE-1), so cannot filter by it either: a filter
    would tell which of their subscriptions has a payment error or which card pays it."""
    if principal.sees_billing_data:
        return
    used = [name for name in BILLING_FILTERS if getattr(query, name) is not None]
    if used:
        raise DomainError(
            "billing_filter_forbidden",
            f"Filtering by {', '.join(used)} needs a role that sees billing data (R-ROLE-1).",
            status=403,
        )


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription with what its page shows beside it."""

    subscription: Subscription
    method: PaymentMethodView | None
    team_name: str | None
    today: date


async def _views(
    subs: list[Subscription], principal: Principal, uow: SubscriptionsUnitOfWork
) -> list[SubscriptionView]:
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs if s.payment_method_id]
    )
    team_names = await uow.subscriptions.teams_of(principal.csn)
    today = uow.clock.today()
    return [
        SubscriptionView(
            s, methods.get(s.payment_method_id or ""), team_names.get(s.team_id), today
        )
        for s in subs
    ]


async def list_subscriptions(
    principal: Principal, query: ListQuery, limit: int, offset: int, uow: SubscriptionsUnitOfWork
) -> tuple[list[SubscriptionView], int]:
    refuse_billing_filters(principal, query)
    items, total = await uow.subscriptions.page(
        principal.csn,
        query,
        uow.clock.today(),
        limit=limit,
        offset=offset,
        assigned_to=assigned_only_to(principal),
    )
    return await _views(items, principal, uow), total


async def stream_subscriptions(
    principal: Principal, query: ListQuery, uow: SubscriptionsUnitOfWork
) -> AsyncIterator[list[SubscriptionView]]:
    """Every matching subscription, in batches (the CSV export, R-SUB-3); the caller refuses
    billing filters before the response starts (refuse_billing_filters)."""
    today = uow.clock.today()
    async for batch in uow.subscriptions.stream(
        principal.csn, query, today, assigned_only_to(principal)
    ):
        yield await _views(batch, principal, uow)


async def visible_subscription(
    principal: Principal, sub_id: str, uow: SubscriptionsUnitOfWork
) -> SubscriptionView:
    sub = await uow.subscriptions.get(principal.csn, sub_id)
    if sub is None or not sub.is_visible_to(assigned_only_to(principal)):
        raise NotFound("subscription", sub_id)
    return (await _views([sub], principal, uow))[0]


def _product_cards(subs: list[Subscription]) -> list[dict[str, Any]]:
    """Subscriptions, contracts, seats and teams per product (R-SUM-1)."""
    cards: dict[str, dict[str, Any]] = {}
    for sub in subs:
        if sub.status not in (Status.ACTIVE, Status.TRIAL):
            continue
        card = cards.setdefault(
            sub.product_code,
            {
                "product_code": sub.product_code,
                "product_name": sub.product_name,
                "subscriptions": 0,
                "contracts": set(),
                "seats": 0,
                "teams": set(),
            },
        )
        card["subscriptions"] += 1
        card["seats"] += sub.seats
        card["teams"].add(sub.team_id)
        if sub.contract_id:
            card["contracts"].add(sub.contract_id)
    return [
        {**c, "contracts": len(c["contracts"]), "teams": len(c["teams"])}
        for c in sorted(cards.values(), key=lambda c: c["product_name"])
    ]


def _alerts(
    subs: list[Subscription],
    methods: dict[str, PaymentMethodView],
    today: date,
    billing: bool,
) -> dict[str, list[dict[str, Any]]]:
    """Payment errors, last chance to renew, upcoming expiries (R-SUM-2)."""
    payment_errors, last_chance, expiring_soon = [], [], []
    for sub in subs:
        if sub.status != Status.ACTIVE:
            continue
        days = sub.days_to_renewal(today)
        alert = {
            "subscription_id": sub.id,
            "product_name": sub.product_name,
            "renewal_date": sub.renewal_date.isoformat(),
            "days_left": days,
        }
        if sub.payment_error and billing:  # R-ROLE-1
            payment_errors.append({**alert, "payment_error": sub.payment_error})
        method = methods.get(sub.payment_method_id or "")
        if sub.renews_automatically(method) or sub.renewal_pending:
            continue
        if 0 <= days <= LAST_CHANCE_DAYS:
            last_chance.append(alert)
        elif LAST_CHANCE_DAYS < days <= EXPIRING_SOON_DAYS:
            expiring_soon.append(alert)
    return {
        "payment_errors": payment_errors,
        "last_chance_to_renew": sorted(last_chance, key=lambda a: a["days_left"]),
        "expiring_soon": sorted(expiring_soon, key=lambda a: a["days_left"]),
    }


async def summary(principal: Principal, uow: SubscriptionsUnitOfWork) -> dict[str, Any]:
    """Product cards and alerts for the dashboard, from this service's data."""
    today = uow.clock.today()
    subs = await uow.subscriptions.all_of(principal.csn, assigned_only_to(principal))
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs if s.payment_method_id]
    )
    return {
        "product_cards": _product_cards(subs),
        "alerts": _alerts(subs, methods, today, principal.sees_billing_data),
        "as_of": today.isoformat(),
    }
