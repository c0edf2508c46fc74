"""A batch consumer's fetch wait (shared/messaging/consumer.py FetchWaits): the long wait while
its topic is quiet (one fetch per wait at rest), the short one while records flow (on the
embedded broker each hop waits about a quarter of it), and back to the long one after a poll
that brought nothing. Read off the fetch requests the consumer actually sends to the broker,
so an aiokafka upgrade that stops reading the wait we set makes this fail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiokafka.protocol.fetch import FetchRequest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Envelope
from shared.uow import UnitOfWork
from tests.integration.batch_tools import (
    Probe,
    consumer_of,
    new_topic,
    probe_contract,
    publish,
    running,
    until,
    wire,
)

IDLE, BUSY = 700, 40


def recording_fetch_waits(aio_consumer: Any) -> list[int]:
    """The max wait of every fetch request this consumer sends from now on."""
    waits: list[int] = []
    client = aio_consumer._client
    send = client.send

    async def recorded(node_id: int, request: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(request, FetchRequest):
            waits.append(request._max_wait_ms)  # what build() puts on the wire
        return await send(node_id, request, *args, **kw)

    client.send = recorded
    return waits


async def test_fetch_wait_is_short_while_records_flow_and_long_at_rest(
    clean_messaging: AsyncEngine, kafka_bootstrap: str
) -> None:
    topic: type[Probe] = probe_contract()
    await new_topic(kafka_bootstrap, topic)
    handled: list[int] = []

    async def set_based(items: Sequence[tuple[Probe, Envelope]], uow: UnitOfWork) -> None:
        handled.extend(event.seq for event, _ in items)

    consumer = consumer_of(
        clean_messaging,
        kafka_bootstrap,
        f"fw-{uuid.uuid4().hex[:8]}",
        group_settings={"fetch_max_wait_ms": IDLE},
        fetch_busy_wait_ms=BUSY,
        batch_wait_ms=300,
    )
    consumer.on_batch(topic)(set_based)
    async with running(consumer):
        (subscriber,) = consumer.broker.subscribers
        waits = recording_fetch_waits(subscriber.consumer)

        async def fetched_at_rest() -> bool:
            return len(waits) >= 2

        await until(fetched_at_rest)
        assert set(waits) == {IDLE}  # nothing flowed yet: the long wait only

        at_rest = len(waits)
        for round_ in range(5):
            records = range(round_ * 10, round_ * 10 + 10)
            await publish(kafka_bootstrap, topic.topic, [(b"k", wire(topic, i)) for i in records])

        async def all_handled() -> bool:
            return len(handled) == 50

        await until(all_handled)
        assert BUSY in waits[at_rest:]  # records flowed: fetches with the short wait

        busy_until = len(waits)

        async def back_to_idle() -> bool:  # a poll brought nothing: the long wait again
            return len(waits) > busy_until and waits[-1] == IDLE

        await until(back_to_idle, timeout=30)
    assert sorted(handled) == list(range(50))


def test_the_busy_wait_is_never_longer_than_the_idle_one(clean_messaging: AsyncEngine) -> None:
    consumer = consumer_of(
        clean_messaging,
        "127.0.0.1:1",
        "g",
        group_settings={"fetch_max_wait_ms": 100},
        fetch_busy_wait_ms=300,
    )
    assert (consumer.fetch_waits.idle, consumer.fetch_waits.busy) == (100, 100)
