"""Test helpers that read and write topics directly, as another company system would."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def read_topic(
    bootstrap: str, topic: str, *, min_count: int = 0, timeout: float = 10.0
) -> list[Any]:
    """All records of a topic from the beginning (a fresh consumer group each call)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle_rounds = 0
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            got = [r for rs in batch.values() for r in rs]
            records.extend(got)
            idle_rounds = 0 if got else idle_rounds + 1
            if len(records) >= min_count and idle_rounds >= 3 and consumer.assignment():
                break
    finally:
        await consumer.stop()
    return records


def envelopes(records: list[Any]) -> list[dict[str, Any]]:
    """The envelopes of a topic's records; a record that is not one (the malformed messages
    the dead-letter tests publish on purpose) is left out."""
    found = []
    for record in records:
        try:
            value = json.loads(record.value)
        except (TypeError, ValueError):
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


async def publish_raw(bootstrap: str, topic: str, value: bytes, key: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def eventually(check: Any, *, timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll an async check until it returns a truthy value; fail with its last result."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last result: {last!r}")


async def consumers_caught_up(bootstrap: str, topics: list[str]) -> bool:
    """Every service consumer group of these topics (named `<service>.<topic>`) has committed
    up to the end of each partition: whatever was on the topics has been handled (offsets are
    committed only after the handler's transaction)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = [g for g, _ in await admin.list_consumer_groups()]
    finally:
        await admin.close()
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await probe.start()
    try:
        await probe.topics()  # metadata of every topic, for partitions_for_topic
        ends = {}
        for topic in topics:
            partitions = probe.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in partitions]
            ends.update(await probe.end_offsets(tps))
    finally:
        await probe.stop()
    for topic in topics:
        consumers = [g for g in groups if g.endswith(f".{topic}") and "test-reader" not in g]
        if not consumers:
            return False
        for group in consumers:
            # A consumer of that group that never subscribes only reads its committed offsets.
            reader = AIOKafkaConsumer(
                bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
            )
            await reader.start()
            try:
                for tp, end in ends.items():
                    if tp.topic == topic and ((await reader.committed(tp)) or 0) < end:
                        return False
            finally:
                await reader.stop()
    return True
