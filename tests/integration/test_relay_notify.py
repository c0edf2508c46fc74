"""Relays of other replicas are woken by NOTIFY from the committing transaction (PostgreSQL),
well before their fallback poll, also after their LISTEN connection was lost (issue 13)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging
from shared.clock import SystemClock
from shared.db import session_factory
from shared.events import SubscriptionRenewed
from shared.messaging.relay import OutboxRelay, pending_count
from shared.uow import UnitOfWork
from tests.kafka_tools import eventually

FALLBACK_POLL = 30.0  # the relay must not need it


def renewed() -> SubscriptionRenewed:
    return SubscriptionRenewed(
        subscription_id="sub-notify",
        csn="5100000001",
        renewal_id=uuid.uuid4(),
        invoice_id="inv-notify",
        term="monthly",
        seats=1,
        previous_renewal_date=date(2030, 1, 1),
        renewal_date=date(2030, 2, 1),
    )


async def commit_one(engine: AsyncEngine, channel: str) -> float:
    """Another replica's commit: NOTIFY only, no in-process wake of the relay under test."""
    async with UnitOfWork(session_factory(engine), SystemClock(), "test", messaging) as uow:
        uow.notify_channel = channel
        uow.publish(renewed())
        await uow.commit()
    return time.monotonic()


async def published_after(engine: AsyncEngine, committed: float) -> float:
    while await pending_count(engine, messaging.outbox):
        assert time.monotonic() - committed < 5, "not published well before the fallback poll"
        await asyncio.sleep(0.005)
    return time.monotonic() - committed


async def test_a_commit_elsewhere_wakes_the_relay_through_notify(
    clean_messaging: AsyncEngine, kafka_bootstrap: str
) -> None:
    engine = clean_messaging
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite one process owns the file")
    relay = OutboxRelay(
        engine,
        messaging.outbox,
        kafka_bootstrap,
        service_name=f"notify-{uuid.uuid4().hex[:8]}",
        poll_seconds=FALLBACK_POLL,
    )
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _listening(relay), timeout=10)
        await asyncio.sleep(0.2)  # the first round (woken by the connection) is over
        latencies = [
            await published_after(engine, await commit_one(engine, relay.channel)) for _ in range(5)
        ]
        assert max(latencies) < 1.0, latencies

        # The database drops the LISTEN connection (as a restart would): the relay listens again.
        first = await _listener_pid(engine, relay.channel)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await eventually(lambda: _listening_anew(engine, relay, first), timeout=15)
        await asyncio.sleep(0.2)
        latency = await published_after(engine, await commit_one(engine, relay.channel))
        assert latency < 1.0
    finally:
        await relay.stop()
        task.cancel()


async def _listening(relay: OutboxRelay) -> bool:
    return relay.listening and await _listener_pid(relay.engine, relay.channel) is not None


async def _listener_pid(engine: AsyncEngine, channel: str) -> int | None:
    async with engine.connect() as conn:
        return await conn.scalar(
            text("SELECT pid FROM pg_stat_activity WHERE query LIKE :q"),
            {"q": f'LISTEN "{channel}"%'},
        )


async def _listening_anew(engine: AsyncEngine, relay: OutboxRelay, old: int | None) -> bool:
    pid = await _listener_pid(engine, relay.channel)
    return relay.listening and pid is not None and pid != old
