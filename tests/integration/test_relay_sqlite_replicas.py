"""Two replicas of a service on one SQLite file (`make run` scaled on one machine): their
relays take turns, so no outbox row reaches the topic twice and keys keep their order."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from services.subscriptions.adapters.orm import messaging, metadata
from shared.clock import SystemClock
from shared.db import create_engine, session_factory
from shared.messaging.relay import OutboxRelay, pending_count
from shared.uow import UnitOfWork
from tests.integration.test_outbox_relay import renewed
from tests.kafka_tools import read_topic


async def test_two_relays_on_one_sqlite_file_send_each_row_once(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'subscriptions.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    run = uuid.uuid4().hex[:8]
    keys = [f"sub-{run}-{k}" for k in range(3)]
    for seq in range(120):
        async with UnitOfWork(sessions, SystemClock(), "test", messaging) as uow:
            uow.publish(renewed(keys[seq % 3], seq))
            await uow.commit()
    relays = [
        OutboxRelay(engine, messaging.outbox, kafka_bootstrap, service_name="twin", batch_size=50)
        for _ in range(2)
    ]
    try:
        for _ in range(20):  # both replicas wake together, as a poll would make them
            await asyncio.gather(*(r.publish_batch() for r in relays))
            if await pending_count(engine, messaging.outbox) == 0:
                break

        assert await pending_count(engine, messaging.outbox) == 0
        assert sum(r.published_total for r in relays) == 120
        records = await read_topic(kafka_bootstrap, "subscription-renewed", min_count=120)
        mine = [json.loads(r.value) for r in records if r.key.decode() in keys]
        seqs = [int(e["data"]["invoice_id"].split("-")[1]) for e in mine]
        assert sorted(seqs) == list(range(120))  # each row exactly once
        for key in keys:
            of_key = [int(e["data"]["invoice_id"].split("-")[1]) for e in mine if e["key"] == key]
            assert of_key == sorted(of_key)
    finally:
        for relay in relays:
            await relay.stop()
        await engine.dispose()
