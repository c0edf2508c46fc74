"""One definition of "due for auto-renewal", "expired" and "unanswered" (issue 17): the sweeps'
SQL, compiled from the domain's criteria, selects exactly the subscriptions the aggregate
accepts, on every combination that matters. And the unit of work publishes what aggregates
record: each event once, in order, one snapshot per changed subscription, nothing on rollback."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging, payment_methods, subscriptions
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, Status
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from tests.integration.test_renewal_sweep import monthly

CSN = "5100000009"  # the account of test_renewal_sweep.monthly
GRACE = 14


def method(method_id: str, kind: PaymentMethodKind, valid: bool, active: bool) -> PaymentMethodView:
    return PaymentMethodView(method_id, CSN, kind, method_id, kind.recurring, valid, active, "x")


METHODS = [
    method("pm-card", PaymentMethodKind.CARD, True, True),
    method("pm-expired-card", PaymentMethodKind.CARD, False, True),
    method("pm-deleted-card", PaymentMethodKind.CARD, True, False),
    method("pm-transfer", PaymentMethodKind.BANK_TRANSFER, True, True),
]


def every_kind_of_subscription(today: date, now: datetime) -> list[Subscription]:
    subs = []
    combos = itertools.product(
        (Status.ACTIVE, Status.TRIAL, Status.EXPIRED),
        (True, False),  # auto-renew
        (-GRACE - 1, -GRACE, -1, 0, 5),  # renewal date, days from today
        (False, True),  # renewal pending for this term
        ("pm-card", "pm-expired-card", "pm-deleted-card", "pm-transfer", None),
    )
    for n, (status, auto, days, pending, method_id) in enumerate(combos):
        renewal = today + timedelta(days=days)
        sub = monthly(f"sub-rule-{n:04d}", renewal, auto)
        sub.status, sub.payment_method_id = status, method_id
        if pending:
            sub.renewal_pending_for = renewal
            sub.renewal_requested_at = now - timedelta(minutes=days % 7 * 10)
        subs.append(sub)
    return subs


async def test_the_sweeps_select_exactly_what_the_aggregate_accepts(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    today, now = SystemClock().today(), SystemClock().now()
    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions))
        await conn.execute(delete(payment_methods))
    subs = every_kind_of_subscription(today, now)
    async with subscriptions_uow() as uow:
        for m in METHODS:
            uow.subscriptions.add(m)
        for sub in subs:
            uow.subscriptions.add(sub)
        await uow.commit()

    methods = {m.id: m for m in METHODS}
    wait = timedelta(minutes=25)
    async with subscriptions_uow() as uow:
        due = await uow.subscriptions.lock_due_for_renewal(today, 10_000)
        expirable = await uow.subscriptions.lock_expirable(today, GRACE, 10_000)
        unanswered = await uow.subscriptions.lock_unanswered_renewals(now, wait, 10_000)
        loaded = list((await uow.subscriptions.many_for_update(CSN, [s.id for s in subs])).values())

        def accepted(rule: Callable[[Subscription], bool]) -> list[str]:
            return sorted(s.id for s in loaded if rule(s))

        assert sorted(s.id for s in due) == accepted(
            lambda s: s.is_due_for_auto_renewal(today, methods.get(s.payment_method_id or ""))
        )
        assert sorted(s.id for s in unanswered) == accepted(
            lambda s: s.renewal_unanswered(now, wait)
        )
        assert sorted(s.id for s in expirable) == accepted(
            lambda s: _copy(s).expire_if_past(today, GRACE)
        )
    assert due and expirable and unanswered  # the combinations cover each rule


def _copy(sub: Subscription) -> Subscription:
    """The aggregate decides on a detached copy, so that deciding changes nothing loaded."""
    fields = Subscription.__dataclass_fields__
    return Subscription(**{name: getattr(sub, name) for name in fields})


async def outbox(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.scalars(
            select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id)
        )
        found = [json.loads(p) for p in rows.all()]
    return [(p["type"], p["data"]["subscription_id"]) for p in found]


async def test_the_unit_of_work_publishes_recorded_events_in_order_and_one_snapshot_each(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    today = SystemClock().today()
    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions))
        await conn.execute(delete(payment_methods))
    originals = every_kind_of_subscription(today, SystemClock().now())
    manual = [
        s
        for s in originals
        if s.status == Status.ACTIVE and not s.auto_renew and s.renewal_pending_for is None
    ]
    with_card = next(s for s in manual if s.payment_method_id == "pm-card")
    first, second = with_card.id, next(s for s in manual if s is not with_card).id
    async with subscriptions_uow() as uow:
        uow.subscriptions.add(METHODS[0])
        uow.subscriptions.add(with_card)
        uow.subscriptions.add(next(s for s in manual if s.id == second))
        await uow.commit()

    async with subscriptions_uow() as uow:  # rolled back: nothing was recorded
        subs = await uow.subscriptions.many_for_update(CSN, [first])
        subs[first].set_auto_renew(True, METHODS[0], changed_by="someone")
        await uow.rollback()
        await uow.commit()
    assert await outbox(clean_messaging) == []

    async with subscriptions_uow() as uow:
        subs = await uow.subscriptions.many_for_update(CSN, [first, second])
        subs[first].link_payment_method(METHODS[0])
        subs[first].set_auto_renew(True, METHODS[0], changed_by="someone")
        await uow.subscriptions.get(CSN, second)  # a query in between: autoflush
        subs[second].record_payment_error("card declined", "inv-1")
        await uow.commit()
    assert await outbox(clean_messaging) == [
        ("auto-renew-changed", first),
        ("subscription-changed", first),
        ("subscription-changed", second),
    ]
