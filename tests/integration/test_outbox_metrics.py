"""The outbox as an operator sees it on /metrics (issue 15): while the broker is down the
backlog rises as commands keep committing, and the age of the oldest row is measured on the
wall clock, whatever the service's dev clock says; once the broker is back both fall to 0."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging
from shared.clock import AdjustableClock
from shared.db import session_factory
from shared.infra.kafka import TansuBroker
from shared.messaging.relay import OutboxRelay
from shared.observability.metrics import refresh_outbox
from shared.uow import UnitOfWork
from tests.integration.test_outbox_relay import renewed
from tests.kafka_tools import eventually

SERVICE = "outbox-metrics-test"


def gauge(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": SERVICE}) or 0.0


def renewed_total() -> float:
    return REGISTRY.get_sample_value("billing_renewals_renewed_total") or 0.0


async def test_backlog_and_oldest_age_rise_during_a_broker_outage_and_fall_after(
    clean_messaging: AsyncEngine, artifacts: Path
) -> None:
    engine = clean_messaging
    broker = TansuBroker(log_path=artifacts / "outbox-metrics-broker.log").start()
    relay = OutboxRelay(
        engine,
        messaging.outbox,
        broker.bootstrap_servers,
        service_name=SERVICE,
        poll_seconds=0.05,
        max_backoff_seconds=0.5,
    )
    task = asyncio.create_task(relay.run())
    # The demo's clock moved 30 days ahead: an outbox row is still seconds old, not 30 days.
    clock = AdjustableClock(timedelta(days=30))
    renewed_before = renewed_total()
    try:
        broker.stop()
        sessions = session_factory(engine)
        for seq in range(12):
            async with UnitOfWork(sessions, clock, "subscriptions", messaging) as uow:
                uow.publish(renewed(f"sub-{seq % 3}", seq))
                await uow.commit()
        await asyncio.sleep(1.5)
        await refresh_outbox(SERVICE, engine, messaging.outbox)
        assert gauge("outbox_unpublished_rows") == 12
        assert 1.0 <= gauge("outbox_oldest_unpublished_age_seconds") < 60

        broker.start()

        async def drained() -> bool:
            await refresh_outbox(SERVICE, engine, messaging.outbox)
            return gauge("outbox_unpublished_rows") == 0

        await eventually(drained, timeout=40)
        assert gauge("outbox_oldest_unpublished_age_seconds") == 0
        published = REGISTRY.get_sample_value(
            "outbox_published_messages_total",
            {"service": SERVICE, "topic": "subscription-renewed"},
        )
        assert published == 12
        assert renewed_total() - renewed_before == 12
        delays = REGISTRY.get_sample_value(
            "outbox_delivery_delay_seconds_sum", {"service": SERVICE}
        )
        assert delays is not None and delays >= 12 * 1.0  # each waited out the outage
    finally:
        await relay.stop()
        task.cancel()
        broker.stop()
