"""The integration events subscriptions publishes, built from its aggregates and what they
recorded (domain/events.py): the one place that knows their fields."""

from __future__ import annotations

import uuid
from datetime import date
from functools import singledispatch
from typing import Any

from services.subscriptions.domain import events
from services.subscriptions.domain.cart import RenewalCart
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.views import PaymentMethodView
from shared import events as published
from shared.events import EventData, MoneyField


def _money(amount: int, currency: str) -> MoneyField:
    return MoneyField(amount=amount, currency=currency)


def described(sub: Subscription) -> dict[str, Any]:
    """What a subscription says of itself, shared by its snapshot and its API view (R-SUB-1)."""
    renewal = sub.next_renewal()
    return {
        "csn": sub.csn,
        "contract_id": sub.contract_id,
        "team_id": sub.team_id,
        "product_code": sub.product_code,
        "product_name": sub.product_name,
        "status": sub.status.value,
        "seats": sub.seats,
        "seats_at_renewal": renewal.seats,
        "term": sub.term.value,
        "term_at_renewal": renewal.term.value,
        "auto_renew": sub.auto_renew,
        "start_date": sub.start_date,
        "renewal_date": sub.renewal_date,
        "purchase_method": sub.purchase_method.value,
        "payment_method_id": sub.payment_method_id,
        "partner_csn": sub.partner_csn,
        "payment_error": sub.payment_error,
    }


def _about(sub: Subscription) -> dict[str, Any]:
    return {"subscription_id": sub.id, "csn": sub.csn}


def subscription_changed(
    sub: Subscription, method: PaymentMethodView | None
) -> published.SubscriptionChanged:
    """The snapshot other services project (quotes, payments, notifications)."""
    renewal = sub.next_renewal()
    return published.SubscriptionChanged(
        subscription_id=sub.id,
        **described(sub),
        unit_price=_money(sub.unit_price_amount, sub.currency),
        renewal_amount=_money(renewal.amount.amount, sub.currency),
        collection="automatic" if sub.renews_automatically(method) else "manual",
    )


@singledispatch
def _wire(recorded: Any, aggregate: Any) -> EventData:
    raise TypeError(f"no published event for {recorded!r}")


def of_recorded(aggregate: Any, recorded: Any) -> EventData:
    return _wire(recorded, aggregate)


@_wire.register
def _(recorded: events.RenewalRequested, sub: Subscription) -> EventData:
    renewal = recorded.renewal
    return published.RenewalRequested(
        renewal_id=renewal.renewal_id,
        **_about(sub),
        team_id=sub.team_id,
        product_code=sub.product_code,
        product_name=sub.product_name,
        seats=renewal.seats,
        term=renewal.term.value,
        unit_price=_money(renewal.unit_price.amount, sub.currency),
        period_start=renewal.period_start,
        period_end=renewal.period_end,
        payment_method_id=sub.payment_method_id,
        collection="automatic",
    )


@_wire.register
def _(recorded: events.Renewed, sub: Subscription) -> EventData:
    return published.SubscriptionRenewed(
        **_about(sub),
        renewal_id=recorded.renewal_id,
        invoice_id=recorded.invoice_id,
        term=recorded.term.value,
        seats=recorded.seats,
        previous_renewal_date=recorded.previous_renewal_date,
        renewal_date=recorded.renewal_date,
    )


@_wire.register
def _(recorded: events.Expired, sub: Subscription) -> EventData:
    return published.SubscriptionExpired(
        **_about(sub),
        product_code=sub.product_code,
        expired_on=recorded.expired_on,
    )


@_wire.register
def _(recorded: events.AutoRenewSet, sub: Subscription) -> EventData:
    return published.AutoRenewChanged(
        **_about(sub),
        auto_renew=recorded.auto_renew,
        changed_by=recorded.changed_by,
        batch_id=recorded.batch_id,
    )


@_wire.register
def _(recorded: events.SeatsChanged, sub: Subscription) -> EventData:
    change, prorated = recorded.change, recorded.change.prorated
    return published.SeatsChanged(
        **_about(sub),
        change=change.change,
        previous_seats=change.previous_seats,
        seats=change.seats,
        effective_on=change.effective_on,
        order_id=change.order_id,
        product_code=sub.product_code,
        product_name=sub.product_name,
        term=recorded.term.value,
        unit_price=_money(recorded.unit_price_amount, sub.currency),
        prorated_amount=None if prorated is None else _money(prorated.amount, sub.currency),
        period_start=change.period_start,
        period_end=change.period_end,
        payment_method_id=recorded.payment_method_id,
        placed_by=recorded.placed_by,
    )


@_wire.register
def _(recorded: events.RenewalOrderPlaced, cart: RenewalCart) -> EventData:
    return published.RenewalOrderPlaced(
        order_id=uuid.UUID(cart.id),
        csn=cart.csn,
        currency=cart.currency,
        purchase_method=cart.purchase_method.value,
        collection=cart.collection,
        payment_method_id=cart.payment_method_id,
        placed_by=recorded.placed_by,
        lines=[
            published.RenewalOrderLine(
                renewal_id=uuid.UUID(line["renewal_id"]),
                subscription_id=line["subscription_id"],
                team_id=line["team_id"],
                product_code=line["product_code"],
                product_name=line["product_name"],
                seats=line["seats"],
                term=line["term"],
                unit_price=_money(line["unit_price"], cart.currency),
                period_start=date.fromisoformat(line["period_start"]),
                period_end=date.fromisoformat(line["period_end"]),
            )
            for line in cart.lines
        ],
    )
