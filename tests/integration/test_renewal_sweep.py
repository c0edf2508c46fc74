"""The renewal sweep with two replicas at once (R-SUB-5): every due subscription is requested
exactly once, whichever replica locks it (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging, payment_methods, subscriptions
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.commands import (
    ExpireLapsedSubscriptions,
    RequestDueRenewals,
    RequestUnansweredRenewalsAgain,
)
from services.subscriptions.service_layer.event_handlers import complete_renewal
from services.subscriptions.service_layer.sweeps import (
    expire_lapsed_subscriptions,
    request_due_renewals,
    request_unanswered_renewals_again,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import Clock, FixedClock, SystemClock
from shared.events import InvoiceLineRef, InvoicePaid
from shared.messaging.outbox import build_envelope
from shared.terms import add_months


async def sweep_due_renewals(uow: SubscriptionsUnitOfWork, batch_size: int = 200) -> int:
    async with uow:
        return await request_due_renewals(RequestDueRenewals(batch_size), uow)


async def sweep_expired(uow: SubscriptionsUnitOfWork, grace_days: int, batch_size: int) -> int:
    async with uow:
        cmd = ExpireLapsedSubscriptions(grace_days, batch_size)
        return await expire_lapsed_subscriptions(cmd, uow)


async def reconcile_renewals(
    uow: SubscriptionsUnitOfWork, wait: timedelta, real_time: Clock
) -> int:
    async with uow:
        cmd = RequestUnansweredRenewalsAgain(wait)
        return await request_unanswered_renewals_again(cmd, uow, real_time)


def card_on_file() -> PaymentMethodView:
    return PaymentMethodView(
        id="pm",
        csn="5100000009",
        kind=PaymentMethodKind.CARD,
        label="Visa •••• 4242",
        recurring=True,
        valid=True,
        active=True,
        version_at="2026-01-01",
    )


def monthly(sub_id: str, renewal_date: date, auto_renew: bool) -> Subscription:
    """An active monthly subscription of the test account, paid by its card on file."""
    return Subscription(
        id=sub_id,
        csn="5100000009",
        team_id="t",
        product_code="CAD",
        product_name="CAD Pro",
        seats=1,
        term=Term.MONTHLY,
        unit_price_amount=1000,
        currency="EUR",
        auto_renew=auto_renew,
        start_date=renewal_date - timedelta(days=30),
        renewal_date=renewal_date,
        status=Status.ACTIVE,
        purchase_method=PurchaseMethod.ONLINE_DIRECT,
        payment_method_id="pm",
    )


async def test_two_replicas_sweeping_at_once_request_each_renewal_once(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    uow = subscriptions_uow
    today = SystemClock().today()

    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions))
        await conn.execute(delete(payment_methods))
    async with uow() as u:
        u.subscriptions.add(card_on_file())
        for n in range(120):
            u.subscriptions.add(
                monthly(f"sub-sweep-{n:03d}", today - timedelta(days=n % 3), n % 4 != 0)
            )
        await u.commit()

    async def replica() -> None:
        while await sweep_due_renewals(uow(), batch_size=7):
            pass

    await asyncio.gather(replica(), replica())
    await replica()  # a later sweep finds nothing left to request

    async with clean_messaging.connect() as conn:
        payloads = (await conn.scalars(select(messaging.outbox.c.payload))).all()
    requested = [
        json.loads(p)["data"]["subscription_id"]
        for p in payloads
        if json.loads(p)["type"] == "renewal-requested"
    ]
    assert len(requested) == 90  # every auto-renew one (3 in 4), none twice
    assert len(set(requested)) == 90


async def test_two_replicas_expiring_at_once_expire_each_lapsed_subscription_once_r_sub_13(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    uow = subscriptions_uow
    today = SystemClock().today()

    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions))
    async with uow() as u:
        for n in range(100):
            renewal = today - timedelta(days=n % 4)  # 0 days ago: still its last day
            u.subscriptions.add(
                Subscription(
                    id=f"sub-lapse-{n:03d}",
                    csn="5100000009",
                    team_id="t",
                    product_code="CAD",
                    product_name="CAD Pro",
                    seats=1,
                    term=Term.ANNUAL,
                    unit_price_amount=1000,
                    currency="EUR",
                    auto_renew=False,
                    start_date=renewal - timedelta(days=365),
                    renewal_date=renewal,
                    status=Status.TRIAL if n % 10 == 0 else Status.ACTIVE,
                    purchase_method=PurchaseMethod.ONLINE_DIRECT,
                )
            )
        await u.commit()

    async def replica() -> None:
        while await sweep_expired(uow(), grace_days=14, batch_size=6):
            pass

    await asyncio.gather(replica(), replica())
    await replica()

    async with clean_messaging.connect() as conn:
        payloads = [
            json.loads(p) for p in (await conn.scalars(select(messaging.outbox.c.payload))).all()
        ]
        statuses = dict(
            (await conn.execute(select(subscriptions.c.id, subscriptions.c.status))).all()
        )
    expired = [
        p["data"]["subscription_id"] for p in payloads if p["type"] == "subscription-expired"
    ]
    assert len(expired) == 75 and len(set(expired)) == 75  # 3 in 4 are past their date
    assert sum(s == "expired" for s in statuses.values()) == 75
    assert statuses["sub-lapse-000"] == "trial"  # renewal date today: not yet


async def test_an_unanswered_renewal_is_requested_again_once_per_wait_by_two_replicas(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    """Reconciliation (issue 16): the sweep's renewal-requested was lost (a broker that forgot
    it). After the wait, the same request (same renewal id) goes out again, once, whichever
    replica runs the job; a renewal asked for recently is left alone."""
    uow, wait = subscriptions_uow, timedelta(minutes=15)
    await only_due_today(clean_messaging, uow(), "sub-lost-0", "sub-lost-1")
    await sweep_due_renewals(uow())
    first = await requested(clean_messaging)
    assert sorted(sub_id for sub_id, _ in first) == ["sub-lost-0", "sub-lost-1"]

    later = FixedClock(SystemClock().now() + wait)
    async with clean_messaging.begin() as conn:  # only sub-lost-0 was asked long ago
        await conn.execute(
            subscriptions.update()
            .where(subscriptions.c.id == "sub-lost-1")
            .values(renewal_requested_at=later.now())
        )
    asked = await asyncio.gather(
        *(reconcile_renewals(uow(), wait, real_time=later) for _ in range(2))
    )
    assert sum(asked) == 1
    again = await requested(clean_messaging)
    assert again[:2] == first
    assert again[2:] == [("sub-lost-0", dict(first)["sub-lost-0"])]  # the same renewal id
    assert await reconcile_renewals(uow(), wait, real_time=later) == 0  # not every minute


async def test_a_paid_renewal_announced_again_renews_one_term_and_is_not_asked_again(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    """The waiting step "a paid invoice with no renewal": invoicing's invoice-paid was lost;
    the renewal requested again gets it announced again (here twice), the subscription moves
    by one term, and reconciliation stops asking for it."""
    uow, today, wait = subscriptions_uow, SystemClock().today(), timedelta(minutes=15)
    await only_due_today(clean_messaging, uow(), "sub-paid-0")
    await sweep_due_renewals(uow())
    [(sub_id, renewal_id)] = await requested(clean_messaging)
    later = FixedClock(SystemClock().now() + wait)
    assert await reconcile_renewals(uow(), wait, real_time=later) == 1  # no answer yet

    line = InvoiceLineRef(
        subscription_id=sub_id,
        renewal_id=uuid.UUID(renewal_id),
        period_start=today,
        period_end=add_months(today, 1),
        amount=1000,
        kind="renewal",
        seats=1,
        unit_amount=1000,
    )
    paid = InvoicePaid(
        invoice_id="inv-paid-0",
        invoice_number="INV-1",
        csn="5100000009",
        currency="EUR",
        total=1000,
        paid_at=datetime.now(UTC),
        lines=[line],
    )
    for _ in range(2):  # announced again by invoicing for the renewal requested again
        envelope = build_envelope(
            paid, producer="tests", clock=SystemClock(), correlation_id=None, causation_id=None
        )
        async with uow() as u:
            await complete_renewal(paid, envelope, u)
            await u.commit()

    async with clean_messaging.connect() as conn:
        renewal_date = await conn.scalar(
            select(subscriptions.c.renewal_date).where(subscriptions.c.id == sub_id)
        )
    assert renewal_date == add_months(today, 1)
    much_later = FixedClock(later.now() + 2 * wait)
    assert await reconcile_renewals(uow(), wait, real_time=much_later) == 0


async def only_due_today(engine: AsyncEngine, uow: SubscriptionsUnitOfWork, *sub_ids: str) -> None:
    """The database holds just these auto-renew subscriptions, due today, and the card."""
    async with engine.begin() as conn:
        await conn.execute(delete(subscriptions))
        await conn.execute(delete(payment_methods))
    async with uow:
        uow.subscriptions.add(card_on_file())
        for sub_id in sub_ids:
            uow.subscriptions.add(monthly(sub_id, SystemClock().today(), auto_renew=True))
        await uow.commit()


async def requested(engine: AsyncEngine) -> list[tuple[str, str]]:
    """(subscription id, renewal id) of every renewal-requested in the outbox, in order."""
    async with engine.connect() as conn:
        rows = await conn.scalars(
            select(messaging.outbox.c.payload)
            .where(messaging.outbox.c.topic == "renewal-requested")
            .order_by(messaging.outbox.c.id)
        )
        found = [json.loads(p)["data"] for p in rows.all()]
    return [(d["subscription_id"], d["renewal_id"]) for d in found]
