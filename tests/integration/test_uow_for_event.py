"""Several consumed events in one unit of work (a batch): what aggregates record while one
event is handled is published with that event's correlation and causation ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging, subscriptions
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PurchaseMethod, Status, Term
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.messaging.outbox import build_envelope
from tests.integration.batch_tools import Probe

CSN = "5100000031"


def subscription(sid: str) -> Subscription:
    return Subscription(
        id=sid,
        csn=CSN,
        team_id="t",
        product_code="CAD-PRO",
        product_name="CAD Pro",
        seats=2,
        term=Term.ANNUAL,
        unit_price_amount=10_000,
        currency="EUR",
        auto_renew=False,
        start_date=date(2025, 3, 1),
        renewal_date=date(2026, 3, 1),
        status=Status.ACTIVE,
        purchase_method=PurchaseMethod.QUOTE,
    )


async def test_recorded_events_carry_the_ids_of_the_event_being_handled(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions).where(subscriptions.c.csn == CSN))
    async with subscriptions_uow() as u:
        u.subscriptions.add(subscription("sub-for-a"))
        u.subscriptions.add(subscription("sub-for-b"))
        await u.commit()
    async with clean_messaging.begin() as conn:
        await conn.execute(delete(messaging.outbox))

    causes = {
        sid: build_envelope(
            Probe(key=sid, seq=i),
            producer="t",
            clock=SystemClock(),
            correlation_id=f"flow-{sid}",
            causation_id=None,
        )
        for i, sid in enumerate(["sub-for-a", "sub-for-b"])
    }
    async with subscriptions_uow() as u:
        for sid, envelope in causes.items():
            async with u.for_event(envelope):
                sub = await u.subscriptions.get(CSN, sid)
                assert sub is not None
                sub.seats += 1
                sub.new_version()  # recorded: published at the commit, with this event's ids
        assert u.correlation_id is None  # back to the unit of work's own
        await u.commit()

    async with clean_messaging.connect() as conn:
        payloads = [json.loads(p) for p in (await conn.scalars(select(messaging.outbox.c.payload)))]
    published = {
        p["data"]["subscription_id"]: (p["correlation_id"], p["causation_id"]) for p in payloads
    }
    assert published == {
        sid: (f"flow-{sid}", str(envelope.event_id)) for sid, envelope in causes.items()
    }
