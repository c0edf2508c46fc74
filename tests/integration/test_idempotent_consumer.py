"""The idempotent-consumer helper on a real database: a redelivered event changes nothing,
a malformed one is parked for the dead-letter topic with its error."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging
from shared.clock import SystemClock
from shared.db import session_factory
from shared.events import Envelope, EventData, InvoicePaid, SubscriptionRenewed
from shared.messaging.consumer import EventConsumer
from shared.messaging.outbox import build_envelope
from shared.uow import UnitOfWork
from tests.integration.test_outbox_relay import renewed


def consumer_on(engine: AsyncEngine, max_attempts: int = 3) -> EventConsumer:
    sessions = session_factory(engine)

    def uow(**kw: Any) -> UnitOfWork:
        return UnitOfWork(sessions, SystemClock(), "test", messaging, **kw)

    return EventConsumer(
        KafkaBroker("127.0.0.1:1"),
        uow,
        "it-consumer",
        max_attempts=max_attempts,
        retry_delay_seconds=0,
    )


def recording_handler(effects: list[str]) -> Any:
    async def handler(event: SubscriptionRenewed, envelope: Envelope, uow: UnitOfWork) -> None:
        effects.append(event.invoice_id)
        uow.publish(renewed(event.subscription_id, 99))  # an effect that lands in the database

    return handler


def on_the_wire(event: EventData) -> bytes:
    envelope = build_envelope(
        event, producer="test", clock=SystemClock(), correlation_id=None, causation_id=None
    )
    return envelope.model_dump_json().encode()


async def _outbox_topics(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(select(messaging.outbox.c.topic))).all())


async def test_redelivered_event_changes_nothing_the_second_time(
    clean_messaging: AsyncEngine,
) -> None:
    effects: list[str] = []
    consumer, handler = consumer_on(clean_messaging), recording_handler(effects)
    raw = on_the_wire(renewed("sub-x", 1))

    await consumer.process(SubscriptionRenewed, handler, raw)
    await consumer.process(SubscriptionRenewed, handler, raw)

    assert effects == ["inv-1"]
    assert await _outbox_topics(clean_messaging) == ["subscription-renewed"]


async def test_malformed_payload_is_parked_with_its_error(clean_messaging: AsyncEngine) -> None:
    effects: list[str] = []
    consumer, handler = consumer_on(clean_messaging), recording_handler(effects)
    wrong_type = on_the_wire(renewed("sub-y", 2))

    await consumer.process(SubscriptionRenewed, handler, b"\x00 not json")
    await consumer.process(InvoicePaid, handler, wrong_type)  # right JSON, wrong contract

    assert effects == []
    assert sorted(await _outbox_topics(clean_messaging)) == [
        "invoice-paid.dlq",
        "subscription-renewed.dlq",
    ]
    assert consumer.parked_total == 2


async def test_handler_that_keeps_failing_is_parked_after_bounded_retries(
    clean_messaging: AsyncEngine,
) -> None:
    calls: list[int] = []

    async def broken(event: SubscriptionRenewed, envelope: Envelope, uow: UnitOfWork) -> None:
        calls.append(1)
        raise ValueError("a bug in the handler")

    consumer = consumer_on(clean_messaging, max_attempts=3)
    await consumer.process(SubscriptionRenewed, broken, on_the_wire(renewed("sub-z", 3)))

    assert len(calls) == 3
    assert await _outbox_topics(clean_messaging) == ["subscription-renewed.dlq"]
