"""A batch consumer on a topic of its own, on the real broker and the integration database:
what the batch-consumer tests and bench/consumer_batch.py drive."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka import KafkaBroker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging
from shared.clock import SystemClock
from shared.db import session_factory
from shared.events import EventData
from shared.infra.kafka import ensure_topics
from shared.messaging.consumer import EventConsumer
from shared.messaging.outbox import build_envelope
from shared.uow import UnitOfWork

PARTITIONS = 3
PUBLISHED: dict[tuple[str, int], int] = {}  # (topic, partition): end offset, as the producer saw


class Probe(EventData):
    """A test event; each test gets a subclass with a topic of its own."""

    topic: ClassVar[str] = "batch-probe"
    key: str
    seq: int

    def aggregate_key(self) -> str:
        return self.key


class Effect(EventData):
    """What a probe handler publishes: one outbox row per handled probe."""

    topic: ClassVar[str] = "batch-probe-effect"
    seq: int

    def aggregate_key(self) -> str:
        return str(self.seq)


def probe_contract() -> type[Probe]:
    name = f"batch-probe-{uuid.uuid4().hex[:10]}"
    return type("ProbeOf" + name[-10:], (Probe,), {"topic": name})


def wire(contract: type[Probe], seq: int, *, key: str | None = None) -> bytes:
    event = contract(key=key or f"k{seq}", seq=seq)
    envelope = build_envelope(
        event, producer="test", clock=SystemClock(), correlation_id=f"corr-{seq}", causation_id=None
    )
    return envelope.model_dump_json().encode()


async def publish(bootstrap: str, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    """(key, value) records; the key chooses the partition."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, v, key=k) for k, v in values]
        for sent in await asyncio.gather(*futures):
            end = PUBLISHED.get((topic, sent.partition), 0)
            PUBLISHED[topic, sent.partition] = max(end, sent.offset + 1)
    finally:
        await producer.stop()


async def new_topic(bootstrap: str, contract: type[Probe]) -> None:
    await ensure_topics(bootstrap, [contract.topic], PARTITIONS)


def consumer_of(engine: AsyncEngine, bootstrap: str, group: str, **kw: Any) -> EventConsumer:
    sessions = session_factory(engine)

    def uow(**ids: Any) -> UnitOfWork:
        return UnitOfWork(sessions, SystemClock(), "test", messaging, **ids)

    kw.setdefault("retry_delay_seconds", 0)
    return EventConsumer(KafkaBroker(bootstrap), uow, group, **kw)


@asynccontextmanager
async def running(consumer: EventConsumer) -> AsyncIterator[EventConsumer]:
    await consumer.broker.start()
    try:
        yield consumer
    finally:
        await consumer.broker.stop()


async def until(check: Any, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not met within {timeout}s: {check.__name__}")
        await asyncio.sleep(0.1)


async def count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def outbox_rows(engine: AsyncEngine, topic: str) -> list[Any]:
    table = messaging.outbox
    async with engine.connect() as conn:
        rows = await conn.execute(select(table).where(table.c.topic == topic).order_by(table.c.id))
        return list(rows.all())


async def committed_and_end(
    bootstrap: str, group: str, topic: str
) -> tuple[dict[int, int], dict[int, int]]:
    """The consumer group's committed offset and the end offset of each partition (read from
    what was published: the broker's ListOffsets counts a producer's batch as one)."""
    ends = {p: PUBLISHED.get((topic, p), 0) for p in range(PARTITIONS)}
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        committed = {tp.partition: (await reader.committed(tp)) or 0 for tp in tps}
        return committed, ends
    finally:
        await reader.stop()
