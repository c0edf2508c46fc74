"""Quotes on a real database: the projections keep the newest snapshot whatever the delivery
order, the expiry job is safe with two replicas, and two accepts at once buy once (R-QUO-2)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.quotes.adapters.orm import (
    messaging,
    quote_lines,
    quotes,
    subscription_snapshots,
)
from services.quotes.domain import commands
from services.quotes.domain.drafting import LineRequest, QuoteRequest
from services.quotes.service_layer import handlers
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.clock import FixedClock
from shared.db import session_factory
from shared.errors import DomainError
from shared.events import MoneyField, SubscriptionChanged
from shared.messaging.consumer import EventConsumer
from shared.messaging.outbox import build_envelope
from shared.principal import Principal, Role

T0 = datetime(2026, 11, 22, 9, tzinfo=UTC)
CSN = "5199000001"
ADMIN = commands.Caller(Principal("admin@test.example", CSN, frozenset({Role.PRIMARY_ADMIN})))


@pytest.fixture
async def engine(quotes_engine: AsyncEngine) -> AsyncEngine:
    async with quotes_engine.begin() as conn:
        for table in (
            quote_lines,
            quotes,
            subscription_snapshots,
            messaging.outbox,
            messaging.processed_events,
        ):
            await conn.execute(delete(table))
    return quotes_engine


def uow_at(engine: AsyncEngine, now: datetime, **ids: str | None) -> QuotesUnitOfWork:
    return QuotesUnitOfWork(session_factory(engine), FixedClock(now), "quotes", messaging, **ids)


def changed(sub_id: str, seats: int, renewal: date = date(2027, 1, 10)) -> SubscriptionChanged:
    return SubscriptionChanged(
        subscription_id=sub_id,
        csn=CSN,
        contract_id=None,
        team_id="team",
        product_code="CAD-PRO",
        product_name="CAD Pro",
        status="active",
        seats=seats,
        seats_at_renewal=seats,
        term="annual",
        term_at_renewal="annual",
        unit_price=MoneyField(amount=189_000, currency="EUR"),
        renewal_amount=MoneyField(amount=189_000 * seats, currency="EUR"),
        auto_renew=False,
        start_date=date(2026, 1, 10),
        renewal_date=renewal,
        purchase_method="quote",
        payment_method_id=None,
        collection="manual",
        partner_csn=None,
        payment_error=None,
    )


def raw(event: SubscriptionChanged, at: datetime) -> bytes:
    envelope = build_envelope(
        event,
        producer="subscriptions",
        clock=FixedClock(at),
        correlation_id=None,
        causation_id=None,
    )
    return envelope.model_dump_json().encode()


async def seats_known(engine: AsyncEngine, sub_id: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                select(subscription_snapshots.c.seats).where(
                    subscription_snapshots.c.subscription_id == sub_id
                )
            )
        )


async def test_projection_keeps_the_newest_snapshot_whatever_the_delivery_order(
    engine: AsyncEngine,
) -> None:
    consumer = EventConsumer(KafkaBroker(), lambda **kw: uow_at(engine, T0, **kw), "quotes")
    newer, older = raw(changed("sub-1", 7), T0), raw(changed("sub-1", 3), T0 - timedelta(hours=1))
    await consumer.process(SubscriptionChanged, handlers.record_subscription, newer)
    await consumer.process(SubscriptionChanged, handlers.record_subscription, older)
    assert await seats_known(engine, "sub-1") == 7  # the late, older snapshot changed nothing

    latest = raw(changed("sub-1", 9), T0 + timedelta(minutes=5))
    await consumer.process(SubscriptionChanged, handlers.record_subscription, latest)
    await consumer.process(SubscriptionChanged, handlers.record_subscription, newer)  # redelivered
    assert await seats_known(engine, "sub-1") == 9
    assert consumer.parked_total == 0


async def seed(engine: AsyncEngine, *sub_ids: str) -> None:
    async with uow_at(engine, T0) as uow:
        for sub_id in sub_ids:
            envelope = build_envelope(
                changed(sub_id, 5),
                producer="subscriptions",
                clock=FixedClock(T0),
                correlation_id=None,
                causation_id=None,
            )
            await handlers.record_subscription(changed(sub_id, 5), envelope, uow)
        await uow.commit()


async def sent_quote(engine: AsyncEngine, sub_id: str, validity_days: int = 30) -> str:
    async with uow_at(engine, T0) as uow:
        quote = await handlers.create_quote(
            commands.CreateQuote(
                ADMIN,
                QuoteRequest(lines=[LineRequest(subscription_id=sub_id)]),
                ["buyer@test.example"],
                validity_days,
            ),
            uow,
        )
    async with uow_at(engine, T0) as uow:
        await handlers.send_quote(commands.SendQuote(ADMIN, quote.id), uow)
    return quote.id


async def statuses(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        return {r.id: r.status for r in await conn.execute(select(quotes.c.id, quotes.c.status))}


async def test_two_replicas_expiring_at_once_expire_each_sent_quote_once(
    engine: AsyncEngine,
) -> None:
    subs = [f"sub-exp-{n}" for n in range(12)]
    await seed(engine, *subs)
    short = [await sent_quote(engine, s, validity_days=5) for s in subs[:8]]
    long = [await sent_quote(engine, s, validity_days=30) for s in subs[8:10]]
    accepted = await sent_quote(engine, subs[10], validity_days=5)
    async with uow_at(engine, T0) as uow:
        await handlers.accept_quote(commands.AcceptQuote(ADMIN, accepted, None), uow)

    later = T0 + timedelta(days=6)
    counts = await asyncio.gather(
        handlers.expire_quotes(uow_at(engine, later)), handlers.expire_quotes(uow_at(engine, later))
    )
    assert sum(counts) == 8
    assert await handlers.expire_quotes(uow_at(engine, later)) == 0
    now = await statuses(engine)
    assert {now[q] for q in short} == {"expired"}
    assert {now[q] for q in long} == {"sent"} and now[accepted] == "accepted"


async def test_two_accepts_at_once_buy_once(engine: AsyncEngine) -> None:
    """R-QUO-2: whichever arrives second is refused; one quote-accepted is written."""
    await seed(engine, "sub-twice")
    quote_id = await sent_quote(engine, "sub-twice")

    async def accept() -> str:
        async with uow_at(engine, T0 + timedelta(hours=1)) as uow:
            try:
                await handlers.accept_quote(commands.AcceptQuote(ADMIN, quote_id, None), uow)
            except DomainError as exc:
                return exc.code
        return "accepted"

    outcomes = await asyncio.gather(accept(), accept())
    assert sorted(outcomes) == ["accepted", "quote_already_accepted"]
    async with engine.connect() as conn:
        topics = (await conn.scalars(select(messaging.outbox.c.topic))).all()
        payloads = (await conn.scalars(select(messaging.outbox.c.payload))).all()
    assert topics.count("quote-accepted") == 1
    accepted = next(json.loads(p) for p in payloads if json.loads(p)["type"] == "quote-accepted")
    assert accepted["data"]["lines"][0]["renewal_id"] == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "renewal:sub-twice:2027-01-10")
    )
