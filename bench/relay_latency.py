"""Commit → broker and commit → consumer latency of the outbox relay, and the idle CPU of
consumers per fetch wait (issue 13, idle cost).

- relay modes: the old 50 ms poll without a wake (a job's commit before issue 13), 50 ms poll
  woken in-process (a consumer's commit before), a 1 s fallback poll woken in-process (every
  commit now), a 1 s fallback woken only by NOTIFY (another replica's commit; PostgreSQL);
- consumers: commit → received by an aiokafka consumer with `fetch_max_wait_ms` 500 (aiokafka's
  default), 100 and 50, and the CPU that 7 idle consumers (invoicing has 7) use per wait.

Usage: python -m bench.relay_latency [--commits 100]  (PostgreSQL if reachable, else SQLite)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from services.subscriptions.adapters.orm import messaging
from shared.clock import SystemClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.events import SubscriptionRenewed
from shared.infra.kafka import ensure_topics, kafka_broker
from shared.infra.postgres import test_databases
from shared.messaging.relay import OutboxRelay
from shared.uow import UnitOfWork

MIGRATIONS = Path(__file__).resolve().parent.parent / "services/subscriptions/migrations"


class TimedRelay(OutboxRelay):
    acked = 0.0

    async def publish_batch(self) -> int:
        sent = await super().publish_batch()
        if sent:
            self.acked = time.monotonic()
        return sent


def event(seq: int) -> SubscriptionRenewed:
    return SubscriptionRenewed(
        subscription_id=f"sub-{seq % 8}",
        csn="5100000001",
        renewal_id=uuid.uuid4(),
        invoice_id=f"inv-{seq}",
        term="monthly",
        seats=1,
        previous_renewal_date=date(2030, 1, 1),
        renewal_date=date(2030, 2, 1),
    )


def pcts(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p99 = ms[min(len(ms) - 1, round(len(ms) * 0.99) - 1)]
    return f"p50 {statistics.median(ms):6.1f} ms   p99 {p99:6.1f} ms   max {ms[-1]:6.1f} ms"


async def commit(relay: OutboxRelay, topic: str, seq: int, *, wake: bool, notify: bool) -> str:
    async with UnitOfWork(session_factory(relay.engine), SystemClock(), "bench", messaging) as uow:
        if wake:
            uow.after_commit = relay.wake
        if notify:
            uow.notify_channel = relay.channel
        envelope = uow.outbox.add(event(seq), correlation_id=None, causation_id=None, topic=topic)
        await uow.commit()
    return str(envelope.event_id)


async def relay_mode(
    url: str, bootstrap: str, label: str, poll: float, wake: bool, notify: bool, n: int
) -> None:
    engine = create_engine(url)
    relay = TimedRelay(
        engine,
        messaging.outbox,
        bootstrap,
        service_name=f"bench-{uuid.uuid4().hex[:6]}",
        poll_seconds=poll,
    )
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(1.5)  # producer connected, LISTEN open
    latencies = []
    for seq in range(n):
        before = relay.acked
        await commit(relay, "bench-relay", seq, wake=wake, notify=notify)
        t0 = time.monotonic()
        while relay.acked == before:  # noqa: ASYNC110 (a bench, 1 ms resolution)
            await asyncio.sleep(0.001)
        latencies.append(relay.acked - t0)
        await asyncio.sleep(0.02 + (seq % 7) * 0.011)  # commits at random points of a poll
    print(f"  {label:<44} {pcts(latencies)}")
    await relay.stop()
    task.cancel()
    await engine.dispose()


async def consumer_mode(url: str, bootstrap: str, wait_ms: int, n: int) -> None:
    topic = f"bench-fetch-{wait_ms}"
    await ensure_topics(bootstrap, [topic], 6)
    engine = create_engine(url)
    relay = OutboxRelay(engine, messaging.outbox, bootstrap, service_name="bench-fetch")
    task = asyncio.create_task(relay.run())
    received: dict[str, float] = {}
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="latest",
        fetch_max_wait_ms=wait_ms,
    )
    await consumer.start()

    async def take() -> None:
        async for record in consumer:
            received[json.loads(record.value)["event_id"]] = time.monotonic()

    reader = asyncio.create_task(take())
    while not consumer.assignment():  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    latencies = []
    for seq in range(n):
        event_id = await commit(relay, topic, seq, wake=True, notify=False)
        t0 = time.monotonic()
        while event_id not in received and time.monotonic() - t0 < 5:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        latencies.append(received.get(event_id, t0 + 5) - t0)
        await asyncio.sleep(0.02 + (seq % 7) * 0.011)
    print(f"  commit → consumer received, fetch wait {wait_ms:>3} ms    {pcts(latencies)}")
    reader.cancel()
    await consumer.stop()
    await relay.stop()
    task.cancel()
    await engine.dispose()


async def idle_consumers(bootstrap: str, wait_ms: int, seconds: float = 15) -> None:
    topics = [f"bench-idle-{wait_ms}-{i}" for i in range(7)]
    await ensure_topics(bootstrap, topics, 6)
    consumers = [
        AIOKafkaConsumer(
            t,
            bootstrap_servers=bootstrap,
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            fetch_max_wait_ms=wait_ms,
            session_timeout_ms=6000,
            heartbeat_interval_ms=2000,
        )
        for t in topics
    ]
    await asyncio.gather(*(c.start() for c in consumers))
    readers = [asyncio.create_task(c.getone()) for c in consumers]
    await asyncio.sleep(5)
    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu = (time.process_time() - cpu0) / (time.monotonic() - t0) * 100
    print(f"  7 idle consumers, fetch wait {wait_ms:>3} ms: CPU {cpu:4.2f}% of a core")
    for r in readers:
        r.cancel()
    await asyncio.gather(*(c.stop() for c in consumers))


async def run(url: str, bootstrap: str, n: int) -> None:
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    await engine.dispose()
    await ensure_topics(bootstrap, ["bench-relay"], 6)
    print(f"commit → broker acknowledged ({n} commits, {url.split(':')[0]}):")
    await relay_mode(
        url, bootstrap, "before: poll 50 ms, no wake (jobs' commits)", 0.05, False, False, n
    )
    await relay_mode(url, bootstrap, "before: poll 50 ms + in-process wake", 0.05, True, False, n)
    await relay_mode(url, bootstrap, "after: fallback 1 s + in-process wake", 1.0, True, False, n)
    if url.startswith("postgresql"):
        await relay_mode(
            url, bootstrap, "after: fallback 1 s, NOTIFY only (replica)", 1.0, False, True, n
        )
    for wait_ms in (500, 100, 50):
        await consumer_mode(url, bootstrap, wait_ms, n)
    for wait_ms in (500, 100, 50):
        await idle_consumers(bootstrap, wait_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    with (
        kafka_broker(log_path=work / "broker.log") as bootstrap,
        test_databases(["relay"], work) as urls,
    ):
        asyncio.run(run(urls["relay"], bootstrap, args.commits))


if __name__ == "__main__":
    main()
