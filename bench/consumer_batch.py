"""The consumer machinery alone, per-message against batch (issue 13): N events on a topic
of 3 partitions of the embedded broker, consumed into PostgreSQL (or SQLite with
TEST_DATABASE_BACKEND=sqlite) by an EventConsumer whose handler does one trivial database
write (one outbox row per event), dedup in processed_events included.

    .venv/bin/python -m bench.consumer_batch                 # 2,000 events per mode
    .venv/bin/python -m bench.consumer_batch --count 5000 --max-records 500

Per mode: a fresh consumer group reads every event, from the moment its partitions are
assigned until the last processed-event row is there. Prints events/s and this process's CPU
milliseconds per event (the broker and the database are other processes), and checks that
every event was handled exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import delete

import services.subscriptions.adapters.orm as subscriptions_orm
from shared.db import create_engine, upgrade_to_head
from shared.events import Envelope
from shared.infra.kafka import kafka_broker
from shared.infra.postgres import test_databases
from shared.uow import UnitOfWork
from tests.integration.batch_tools import (
    Effect,
    Probe,
    consumer_of,
    count,
    new_topic,
    probe_contract,
    publish,
    wire,
)

MIGRATIONS = Path(subscriptions_orm.__file__).resolve().parent.parent / "migrations"
messaging = subscriptions_orm.messaging


async def one_handler(event: Probe, envelope: Envelope, uow: UnitOfWork) -> None:
    uow.publish(Effect(seq=event.seq))


async def run_mode(
    engine: Any, bootstrap: str, contract: type[Probe], n: int, mode: str, max_records: int
) -> dict[str, float]:
    group = f"bench-{mode}-{uuid.uuid4().hex[:6]}"
    consumer = consumer_of(engine, bootstrap, group, batch_max_records=max_records)
    consumer.on(contract, batch=(mode == "batch"))(one_handler)
    table = messaging.processed_events
    await consumer.broker.start()
    try:
        kafka = consumer.broker.subscribers[0].consumer  # type: ignore[attr-defined]
        while not kafka.assignment():  # noqa: ASYNC110 (the broker assigns)
            await asyncio.sleep(0.005)
        wall, cpu = time.perf_counter(), time.process_time()
        while await count(engine, table, table.c.consumer == group) < n:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await consumer.broker.stop()
    return {"events/s": n / wall, "cpu ms/event": cpu * 1000 / n, "seconds": wall}


async def bench(bootstrap: str, url: str, n: int, max_records: int, rounds: int) -> None:
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    contract = probe_contract()
    await new_topic(bootstrap, contract)
    await publish(
        bootstrap, contract.topic, [(f"k{i}".encode(), wire(contract, i)) for i in range(n)]
    )
    print(f"{n} events, 3 partitions, {engine.dialect.name}, batches of <= {max_records}")
    for _ in range(rounds):
        for mode in ("per-message", "batch"):
            async with engine.begin() as conn:
                await conn.execute(delete(messaging.outbox))
            r = await run_mode(engine, bootstrap, contract, n, mode, max_records)
            outbox = messaging.outbox
            effects = await count(engine, outbox, outbox.c.topic == Effect.topic)
            assert effects == n, f"{mode}: {effects} effects for {n} events"
            print(
                f"{mode:12} {r['events/s']:8.0f} events/s  {r['cpu ms/event']:6.2f} ms CPU/event"
                f"  ({r['seconds']:.1f} s, each event once)"
            )
    await engine.dispose()


def main(n: int, max_records: int, rounds: int) -> None:
    logging.disable(logging.INFO)  # faststream logs two lines per message otherwise
    with (
        tempfile.TemporaryDirectory() as work,
        kafka_broker(log_path=Path(work) / "broker.log") as bootstrap,
        test_databases(["integration"], Path(work) / "sqlite") as urls,
    ):
        asyncio.run(bench(bootstrap, urls["integration"], n, max_records, rounds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--max-records", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    main(args.count, args.max_records, args.rounds)
