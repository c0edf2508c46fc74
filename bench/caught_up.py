"""Before a bench measures: every consumer group has its partitions (each service's /readyz
reports `groups_joined` = `groups`), every outbox is relayed (no row with `published_at` NULL
in any service's database: shared/messaging/relay.py) and every consumer group has committed
up to the end of each partition it consumes (lag 0, read from the broker as
shared/observability/metrics.py reads it from the consumers). Then nothing seeded is still
being applied while the bench runs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from sqlalchemy import MetaData

from shared.db import create_engine
from shared.infra.stack import SERVICE_NAMES, Stack
from shared.messaging.relay import pending_count
from shared.messaging.tables import define_messaging_tables

OUTBOX = define_messaging_tables(MetaData()).outbox


async def groups_joined(stack: Stack) -> dict[str, str]:
    """Services whose consumers do not all have partitions yet: name → joined/groups."""
    waiting: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for name in SERVICE_NAMES:
            body = (await client.get(f"{stack.url(name)}/readyz")).json()
            if body.get("groups_joined") != body.get("groups"):
                waiting[name] = f"{body.get('groups_joined')}/{body.get('groups')}"
    return waiting


async def outbox_backlog(urls: dict[str, str]) -> dict[str, int]:
    backlog = {}
    for name in SERVICE_NAMES:
        engine = create_engine(urls[name])
        try:
            backlog[name] = await pending_count(engine, OUTBOX)
        finally:
            await engine.dispose()
    return {name: n for name, n in backlog.items() if n}


async def high_watermarks(bootstrap: str, topics: set[str]) -> dict[TopicPartition, int]:
    """Each partition's end, from fetch answers: Tansu's ListOffsets (`end_offsets`) answers the
    base offset of a partition's last batch, not its end (measured: 1 for 55 records)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, max_partition_fetch_bytes=1024)
    await consumer.start()
    try:
        await consumer.topics()  # fills the metadata partitions_for_topic reads
        partitions = [
            TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
        ]
        if not partitions:
            return {}
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)  # at or before the end: a small fetch
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            await consumer.getmany(timeout_ms=200)
            ends = {tp: consumer.highwater(tp) for tp in partitions}
            if all(v is not None for v in ends.values()):
                return {tp: int(v) for tp, v in ends.items() if v is not None}
        raise TimeoutError(f"no fetch answer for some of {sorted(topics)}")
    finally:
        await consumer.stop()


async def consumer_lag(bootstrap: str) -> dict[str, int]:
    """Messages not yet committed, per consumer group of the services (bench groups aside)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups()]
        groups = [g for g in groups if g.startswith(SERVICE_NAMES) and topics_of(g)]
        ends = await high_watermarks(bootstrap, {t for g in groups for t in topics_of(g)})
        lag: dict[str, int] = {}
        for group in groups:
            partitions = [tp for tp in ends if tp.topic in topics_of(group)]
            if not partitions:
                continue
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            behind = sum(ends[tp] - max(0, offset_of(committed, tp)) for tp in partitions)
            if behind:
                lag[group] = behind
        return lag
    finally:
        await admin.close()


def offset_of(committed: dict[TopicPartition, Any], tp: TopicPartition) -> int:
    """The group's committed offset of a partition; -1 when it committed none."""
    meta = committed.get(tp)
    return int(meta.offset) if meta is not None else -1


def topics_of(group: str) -> set[str]:
    """A service's group is `<service>.<topic>` (shared/messaging/consumer.py)."""
    return {group.split(".", 1)[1]} if "." in group else set()


async def wait_caught_up(stack: Stack, bootstrap: str, timeout: float = 300) -> tuple[float, str]:
    """Until every group joined, every outbox is empty and every group's lag is 0, twice in a
    row a second apart. Returns the seconds waited and what was left at the first check;
    raises TimeoutError with what is left."""
    start = deadline = time.monotonic()
    deadline += timeout
    quiet, left, first = 0, "nothing checked yet", ""
    while quiet < 2:
        if time.monotonic() > deadline:
            raise TimeoutError(f"consumers not caught up after {timeout:.0f}s: {left}")
        joined = await groups_joined(stack)
        backlog = await outbox_backlog(stack.database_urls)
        lag = await consumer_lag(bootstrap) if not joined and not backlog else {}
        left = f"groups joining {joined}, outbox backlog {backlog}, consumer lag {lag}"
        first = first or left
        quiet = quiet + 1 if not (joined or backlog or lag) else 0
        await asyncio.sleep(1)
    return time.monotonic() - start, first
