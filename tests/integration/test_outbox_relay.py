"""The transactional outbox under a broker outage: commands commit, rows wait, and every event
is published, in key order, once the broker is back."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging
from shared.clock import SystemClock
from shared.db import session_factory
from shared.events import SubscriptionRenewed
from shared.infra.kafka import TansuBroker
from shared.messaging.relay import OutboxRelay, pending_count
from shared.uow import UnitOfWork
from tests.kafka_tools import eventually, read_topic


def renewed(key: str, seq: int) -> SubscriptionRenewed:
    start = date(2030, 1, 1)
    return SubscriptionRenewed(
        subscription_id=key,
        csn="5100000001",
        renewal_id=uuid.uuid4(),
        invoice_id=f"inv-{seq}",
        term="monthly",
        seats=1,
        previous_renewal_date=start + timedelta(days=seq),
        renewal_date=start + timedelta(days=seq + 30),
    )


async def test_broker_outage_loses_nothing_and_keeps_key_order(
    clean_messaging: AsyncEngine, artifacts: Path
) -> None:
    engine = clean_messaging
    broker = TansuBroker(log_path=artifacts / "outage-broker.log").start()
    relay = OutboxRelay(
        engine,
        messaging.outbox,
        broker.bootstrap_servers,
        service_name="outage-test",
        poll_seconds=0.05,
        max_backoff_seconds=0.5,
    )
    task = asyncio.create_task(relay.run())
    try:
        broker.stop()  # the broker goes down
        sessions = session_factory(engine)
        for seq in range(40):  # commands keep committing
            async with UnitOfWork(sessions, SystemClock(), "test", messaging) as uow:
                uow.publish(renewed(f"sub-{seq % 4}", seq))
                await uow.commit()
        await asyncio.sleep(2)
        assert await pending_count(engine, messaging.outbox) == 40  # held, none marked sent

        broker.start()  # back on the same address
        await eventually(lambda: _none_pending(engine), timeout=40)

        records = await read_topic(broker.bootstrap_servers, "subscription-renewed", min_count=40)
        events = [json.loads(r.value) for r in records]
        assert len({e["event_id"] for e in events}) == 40
        for key in ("sub-0", "sub-1", "sub-2", "sub-3"):
            seqs = [int(e["data"]["invoice_id"].split("-")[1]) for e in events if e["key"] == key]
            assert seqs == sorted(seqs) and len(seqs) == 10
        assert {r.key.decode() for r in records} == {"sub-0", "sub-1", "sub-2", "sub-3"}
    finally:
        await relay.stop()
        task.cancel()
        broker.stop()


async def _none_pending(engine: AsyncEngine) -> bool:
    return await pending_count(engine, messaging.outbox) == 0
