"""Automatic quotes withdrawn when their renewal was paid another way (R-QUO-8), for a whole
batch of `subscription-changed` snapshots at once, through the batch consumer (no broker):
the same quotes cancelled, with the same reasons, as one snapshot at a time; a self-service
quote, a renewal still due and a quote no longer on offer are left alone; a redelivered batch
changes nothing. PostgreSQL, and SQLite with TEST_DATABASE_BACKEND=sqlite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.quotes.adapters.orm import messaging, quote_lines, quotes, subscription_snapshots
from services.quotes.domain.model import LineKind, Quote, QuoteLine, QuoteOrigin, QuoteStatus
from services.quotes.service_layer import handlers, projections
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.clock import FixedClock
from shared.db import session_factory
from shared.events import Envelope, SubscriptionChanged
from shared.messaging.batch import consume_batch
from shared.messaging.consumer import EventConsumer, Route
from shared.messaging.outbox import build_envelope
from tests.integration.quotes.test_quotes_database import changed

T0 = datetime(2026, 10, 12, 9, tzinfo=UTC)
CSN = "5199000013"
DUE = date(2027, 1, 10)  # the renewal the automatic quotes offer
NEXT = date(2028, 1, 10)  # the renewal date once that one was paid another way
SUBS = [f"sub-{n}" for n in range(1, 7)]


TABLES = (quote_lines, quotes, subscription_snapshots, messaging.outbox, messaging.processed_events)


async def emptied(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        for table in TABLES:
            await conn.execute(delete(table))
    return engine


@pytest.fixture
async def engine(quotes_engine: AsyncEngine) -> AsyncEngine:
    return await emptied(quotes_engine)


def uow_at(engine: AsyncEngine, now: datetime) -> QuotesUnitOfWork:
    return QuotesUnitOfWork(session_factory(engine), FixedClock(now), "quotes", messaging)


def snapshot(sub_id: str, renewal: date, at: datetime, seats: int = 5) -> Envelope:
    event = changed(sub_id, seats, renewal).model_copy(update={"csn": CSN})
    return build_envelope(
        event, producer="subscriptions", clock=FixedClock(at), correlation_id=None,
        causation_id=None,
    )  # fmt: skip


def quote(quote_id: str, origin: QuoteOrigin, status: QuoteStatus, *sub_ids: str) -> Quote:
    made = Quote(
        id=quote_id,
        number=f"Q{CSN}-{quote_id}",
        csn=CSN,
        origin=origin,
        status=status,
        currency="EUR",
        purchase_method="quote",
        created_by="automatic-renewal-quotes",
        created_at=T0,
        validity_days=90,
        sent_at=T0 if status != QuoteStatus.DRAFT else None,
        expires_on=DUE,
    )
    made.lines = [
        QuoteLine(
            id=f"{quote_id}-{n}",
            position=n,
            kind=LineKind.RENEWAL,
            subscription_id=sub_id,
            product_code="CAD-PRO",
            product_name="CAD Pro",
            seats=5,
            term="annual",
            unit_price=189_000,
            list_amount=945_000,
            discount=0,
            amount=945_000,
            tax=0,
            promotions=[],
            period_start=DUE,
            period_end=NEXT - timedelta(days=1),
        )
        for n, sub_id in enumerate(sub_ids)
    ]
    return made


async def seed(engine: AsyncEngine) -> None:
    """Six subscriptions due on DUE, and the quotes of their renewal."""
    async with uow_at(engine, T0) as uow:
        await projections.record_subscriptions(
            [(SubscriptionChanged(**e.data), e) for e in (snapshot(s, DUE, T0) for s in SUBS)], uow
        )
        for made in (
            quote("auto-1", QuoteOrigin.AUTOMATIC, QuoteStatus.SENT, "sub-1"),
            quote("auto-2", QuoteOrigin.AUTOMATIC, QuoteStatus.SENT, "sub-2"),
            quote("auto-34", QuoteOrigin.AUTOMATIC, QuoteStatus.SENT, "sub-3", "sub-4"),
            quote("auto-5", QuoteOrigin.AUTOMATIC, QuoteStatus.DRAFT, "sub-5"),
            quote("auto-6", QuoteOrigin.AUTOMATIC, QuoteStatus.EXPIRED, "sub-6"),
            quote("own-1", QuoteOrigin.SELF_SERVICE, QuoteStatus.SENT, "sub-1"),
        ):
            uow.quotes.add(made)
        await uow.commit()


def the_batch() -> list[Envelope]:
    """sub-1, sub-4 then sub-3, sub-5's later snapshot and sub-6 paid another way (renewal date
    moved on); sub-2 changed seats only, and a late older snapshot of sub-5 still says DUE."""
    later = T0 + timedelta(days=1)
    return [
        snapshot("sub-1", NEXT, later),
        snapshot("sub-2", DUE, later, seats=9),
        snapshot("sub-4", NEXT, later),
        snapshot("sub-3", NEXT, later + timedelta(minutes=1)),
        snapshot("sub-5", NEXT, later),
        snapshot("sub-5", DUE, T0 - timedelta(hours=1)),  # older than stored: kept out
        snapshot("sub-6", NEXT, later),
    ]


def records(envelopes: list[Envelope]) -> list[Any]:
    return [
        SimpleNamespace(
            topic=SubscriptionChanged.topic,
            partition=0,
            offset=n,
            key=e.key.encode(),
            value=e.model_dump_json().encode(),
            headers=[],
        )
        for n, e in enumerate(envelopes)
    ]


async def consume(engine: AsyncEngine, envelopes: list[Envelope], now: datetime) -> None:
    """One poll's records through the batch consumer, without a broker."""
    consumer = EventConsumer(KafkaBroker(), lambda **_: uow_at(engine, now), "quotes")
    route = Route(SubscriptionChanged, batch_fn=projections.record_subscriptions)
    await consume_batch(consumer, route, records(envelopes), None)
    assert consumer.parked_total == 0


async def quote_rows(engine: AsyncEngine) -> dict[str, tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                quotes.c.id,
                quotes.c.status,
                quotes.c.cancellation_reason,
                quotes.c.cancelled_at,
                quotes.c.cancelled_by,
                quotes.c.version,
            )
        )
        return {r.id: tuple(r[1:]) for r in rows}


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_batch_withdraws_the_automatic_quotes_of_renewals_paid_another_way(
    engine: AsyncEngine,
) -> None:
    await seed(engine)
    await consume(engine, the_batch(), T0 + timedelta(days=1))

    rows = await quote_rows(engine)
    status = {q: row[0] for q, row in rows.items()}
    assert status == {
        "auto-1": QuoteStatus.CANCELLED,
        "auto-2": QuoteStatus.SENT,  # its renewal is still due
        "auto-34": QuoteStatus.CANCELLED,
        "auto-5": QuoteStatus.CANCELLED,  # the late older snapshot changed nothing
        "auto-6": QuoteStatus.EXPIRED,  # no longer on offer: left as it is
        "own-1": QuoteStatus.SENT,  # a customer's own quote is not advice
    }
    assert rows["auto-1"][1] == "the renewal of sub-1 was paid another way"
    assert rows["auto-34"][1] == "the renewal of sub-4 was paid another way"  # first in batch
    assert rows["auto-1"][2:] == (T0 + timedelta(days=1), "automatic-renewal-quotes", 2)
    assert await count(engine, messaging.outbox) == 0  # a withdrawal publishes nothing


async def test_a_batch_withdraws_the_same_as_one_snapshot_at_a_time(engine: AsyncEngine) -> None:
    now = T0 + timedelta(days=1)
    await seed(engine)
    for envelope in the_batch():
        async with uow_at(engine, now) as uow:
            await handlers.record_subscription(SubscriptionChanged(**envelope.data), envelope, uow)
            await uow.commit()
    one_at_a_time = await quote_rows(engine)

    await seed(await emptied(engine))
    await consume(engine, the_batch(), now)
    assert await quote_rows(engine) == one_at_a_time


async def test_a_redelivered_batch_changes_nothing(engine: AsyncEngine) -> None:
    await seed(engine)
    batch = the_batch()
    await consume(engine, batch, T0 + timedelta(days=1))
    before = await quote_rows(engine)
    processed = await count(engine, messaging.processed_events)

    await consume(engine, batch, T0 + timedelta(days=2))  # the offsets were not committed
    assert await quote_rows(engine) == before
    assert await count(engine, messaging.processed_events) == processed

    async with uow_at(engine, T0 + timedelta(days=3)) as uow:  # even the handler itself again
        await projections.record_subscriptions(
            [(SubscriptionChanged(**e.data), e) for e in batch], uow
        )
        await uow.commit()
    assert await quote_rows(engine) == before
    assert await count(engine, messaging.outbox) == 0
