"""Batch consumers on the real broker and database (shared/messaging/batch.py): one
transaction per poll, offsets committed per partition, and redelivery that never handles an
event twice nor loses one: a handler failing mid-batch, a malformed record, duplicates in a
batch, a crash between the database commit and the offset commit, a database outage."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

import shared.messaging.batch as batch
from services.subscriptions.adapters.orm import messaging
from shared.events import Envelope
from shared.uow import UnitOfWork
from tests.integration.batch_tools import (
    Effect,
    Probe,
    committed_and_end,
    consumer_of,
    count,
    new_topic,
    outbox_rows,
    probe_contract,
    publish,
    running,
    until,
    wire,
)


@pytest.fixture
async def topic(kafka_bootstrap: str) -> type[Probe]:
    contract = probe_contract()
    await new_topic(kafka_bootstrap, contract)
    return contract


def group() -> str:
    return f"bt-{uuid.uuid4().hex[:8]}"


def recording(calls: list[int], fail: Any = None) -> Any:
    """A per-event handler: records the call, publishes one Effect (a database effect)."""

    async def handle(event: Probe, envelope: Envelope, uow: UnitOfWork) -> None:
        calls.append(event.seq)
        if fail is not None:
            fail(event)
        uow.publish(Effect(seq=event.seq))

    return handle


async def effects(engine: AsyncEngine) -> Counter[int]:
    return Counter(
        json.loads(r.payload)["data"]["seq"]
        for r in await outbox_rows(engine, "batch-probe-effect")
    )


async def all_committed(bootstrap: str, name: str, contract: type[Probe]) -> None:
    async def caught_up() -> bool:
        committed, ends = await committed_and_end(
            bootstrap, f"{name}.{contract.topic}", contract.topic
        )
        return committed == ends

    await until(caught_up)


async def test_batch_over_partitions_commits_each_partition_and_a_restart_rereads_nothing(
    clean_messaging: AsyncEngine, kafka_bootstrap: str, topic: type[Probe]
) -> None:
    sizes: list[int] = []

    async def set_based(items: Sequence[tuple[Probe, Envelope]], uow: UnitOfWork) -> None:
        sizes.append(len(items))
        for event, envelope in items:
            uow.publish(Effect(seq=event.seq), cause=envelope)

    name = group()
    await publish(
        kafka_bootstrap, topic.topic, [(f"k{i}".encode(), wire(topic, i)) for i in range(60)]
    )
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name)
    consumer.on_batch(topic)(set_based)
    async with running(consumer):
        await all_committed(kafka_bootstrap, name, topic)
    committed, ends = await committed_and_end(kafka_bootstrap, f"{name}.{topic.topic}", topic.topic)
    assert committed == ends and len([p for p, end in ends.items() if end > 0]) > 1
    assert max(sizes) > 1  # batches, not one message per transaction
    assert await effects(clean_messaging) == Counter(range(60))

    # Restarted: nothing re-read, and what comes next is not skipped.
    sizes.clear()
    await publish(
        kafka_bootstrap, topic.topic, [(f"k{i}".encode(), wire(topic, i)) for i in range(60, 70)]
    )
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name)
    consumer.on_batch(topic)(set_based)
    async with running(consumer):
        await all_committed(kafka_bootstrap, name, topic)
    assert sum(sizes) == 10
    assert await effects(clean_messaging) == Counter(range(70))
    rows = await outbox_rows(clean_messaging, "batch-probe-effect")
    for row in rows:  # each effect keeps the ids of the event that caused it
        envelope = json.loads(row.payload)
        assert envelope["correlation_id"] == f"corr-{envelope['data']['seq']}"


async def test_handler_failing_mid_batch_parks_only_the_poison_and_handles_the_rest_once(
    clean_messaging: AsyncEngine, kafka_bootstrap: str, topic: type[Probe]
) -> None:
    calls: list[int] = []

    def poison(event: Probe) -> None:
        if event.seq == 7:
            raise ValueError("a bug that only this message triggers")

    name = group()
    await publish(
        kafka_bootstrap, topic.topic, [(f"k{i}".encode(), wire(topic, i)) for i in range(20)]
    )
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name, max_attempts=2)
    consumer.on(topic)(recording(calls, poison))
    async with running(consumer):
        await all_committed(kafka_bootstrap, name, topic)
    assert await effects(clean_messaging) == Counter(i for i in range(20) if i != 7)
    parked = await outbox_rows(clean_messaging, f"{topic.topic}.dlq")
    assert (
        len(parked) == 1
        and json.loads(json.loads(parked[0].payload)["data"]["payload"])["data"]["seq"] == 7
    )
    assert consumer.parked_total == 1
    assert calls.count(7) >= 3  # in the batch, then max_attempts alone


async def test_malformed_record_in_a_batch_is_parked_once_and_duplicates_are_handled_once(
    clean_messaging: AsyncEngine, kafka_bootstrap: str, topic: type[Probe]
) -> None:
    calls: list[int] = []
    name = group()
    twice = wire(topic, 3, key="same")
    records = [(b"same", wire(topic, i, key="same")) for i in range(3)]
    records += [(b"same", twice), (b"same", b"\x00 not json"), (b"same", twice)]
    records += [(b"same", wire(topic, i, key="same")) for i in range(4, 8)]
    await publish(kafka_bootstrap, topic.topic, records)
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name)
    consumer.on(topic)(recording(calls))
    async with running(consumer):
        await all_committed(kafka_bootstrap, name, topic)
    assert sorted(calls) == list(range(8))  # the duplicate was not run, no fallback happened
    assert await effects(clean_messaging) == Counter(range(8))
    parked = await outbox_rows(clean_messaging, f"{topic.topic}.dlq")
    assert len(parked) == 1 and "invalid envelope" in json.loads(parked[0].payload)["data"]["error"]


async def test_killed_between_database_commit_and_offset_commit_handles_nothing_twice(
    clean_messaging: AsyncEngine,
    kafka_bootstrap: str,
    topic: type[Probe],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    name = group()
    await publish(
        kafka_bootstrap,
        topic.topic,
        [(f"k{i}".encode(), wire(topic, i)) for i in range(30)] + [(b"x", b"{bad")],
    )

    async def never_commits(kafka: Any, records: Sequence[Any]) -> None:
        return None  # the process dies right after the database commit

    monkeypatch.setattr(batch, "commit_offsets", never_commits)
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name)
    consumer.on(topic)(recording(calls))
    async with running(consumer):
        await until(lambda: _handled(clean_messaging, name, 31))
    committed, _ = await committed_and_end(kafka_bootstrap, f"{name}.{topic.topic}", topic.topic)
    assert sum(committed.values()) == 0 and sorted(calls) == list(range(30))

    monkeypatch.undo()
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name)
    consumer.on(topic)(recording(calls))
    async with running(consumer):
        await all_committed(kafka_bootstrap, name, topic)
    assert sorted(calls) == list(range(30))  # redelivered, nothing ran again
    assert await effects(clean_messaging) == Counter(range(30))
    assert len(await outbox_rows(clean_messaging, f"{topic.topic}.dlq")) == 1


async def _handled(engine: AsyncEngine, name: str, n: int) -> bool:
    table = messaging.processed_events
    return await count(engine, table, table.c.consumer == name) >= n


async def test_transient_database_error_mid_batch_redelivers_every_partition_and_parks_nothing(
    clean_messaging: AsyncEngine,
    kafka_bootstrap: str,
    topic: type[Probe],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    failed: list[int] = []
    rewound: list[set[int]] = []

    def outage_once(event: Probe) -> None:
        if len(calls) > 5 and not failed:
            failed.append(event.seq)
            raise OperationalError("INSERT", {}, ConnectionRefusedError("database restarting"))

    real_rewind = batch.rewind

    async def spy(kafka: Any, records: Sequence[Any]) -> None:
        rewound.append({r.partition for r in records})
        await real_rewind(kafka, records)

    monkeypatch.setattr(batch, "rewind", spy)
    name = group()
    await publish(
        kafka_bootstrap, topic.topic, [(f"k{i}".encode(), wire(topic, i)) for i in range(40)]
    )
    consumer = consumer_of(clean_messaging, kafka_bootstrap, name)
    consumer.on(topic)(recording(calls, outage_once))
    async with running(consumer):
        await all_committed(kafka_bootstrap, name, topic)
    assert failed and len(rewound) == 1 and len(rewound[0]) > 1  # a batch over partitions
    assert await effects(clean_messaging) == Counter(range(40))  # nothing lost, nothing twice
    assert await outbox_rows(clean_messaging, f"{topic.topic}.dlq") == []
    assert consumer.parked_total == 0
