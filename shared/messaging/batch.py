"""Batch consumers: what one poll returns, handled in one transaction.

Per poll (a batch may mix partitions of the topic): parse every record (a malformed one is
parked); claim the batch's events in ONE statement on processed_events (`INSERT … ON CONFLICT
DO NOTHING RETURNING event_id`; an event twice in the batch counts once); run the handlers of
the new events in one unit of work, each inside `uow.for_event(envelope)` so that what it
publishes carries its own correlation/causation ids; commit once (the outbox rows in bulk);
then commit each partition's offset to its last record + 1.

- A handler fails (not transient): the batch is rolled back and handled again one by one,
  through the per-message path with its retries and parking: a poison message is parked
  alone, its batch-mates handled once (the rolled-back attempt left nothing).
- A transient error (database or broker away): every partition of the batch is sought back
  to its first record in the batch; nothing is committed past it, nothing parked.
- Killed between the database commit and the offset commit: the batch comes back, the claim
  finds every event processed and nothing runs twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition
from sqlalchemy.dialects import postgresql, sqlite

from shared.events import Envelope, EventData
from shared.messaging.consumer import (
    EventConsumer,
    MalformedEvent,
    Route,
    UnitOfWork,
    add_parked,
    parse_event,
)
from shared.messaging.transient import is_transient
from shared.observability.logging import bind_event, consuming, consuming_batch
from shared.observability.metrics import event_handled, message_parked
from shared.observability.tracing import resumed, resumed_each

log = logging.getLogger(__name__)

# (record, envelope and event) of a parsed record, or (record, None, the parse error)
Parsed = tuple[Any, Envelope | None, EventData | MalformedEvent]
Handled = tuple[Any, Envelope, EventData]  # (record, envelope, event) of a new event
_MALFORMED = uuid.UUID("6f1e0c8e-9d1a-4c43-9a53-0d3f3c0e7b11")


def parse_records(records: Sequence[Any], contract: type[EventData]) -> list[Parsed]:
    parsed: list[Parsed] = []
    for record in records:
        try:
            envelope, event = parse_event(record.value, contract)
        except MalformedEvent as exc:
            parsed.append((record, None, exc))
        else:
            parsed.append((record, envelope, event))
    return parsed


def claim_key(item: Parsed) -> str:
    """The processed_events key: the event id; for a malformed record, its place and bytes
    (parked once even when the batch comes back)."""
    record, envelope, _ = item
    if envelope is not None:
        return str(envelope.event_id)
    digest = hashlib.sha256(record.value or b"").hexdigest()
    place = f"{record.topic}/{record.partition}/{record.offset}/{digest}"
    return str(uuid.uuid5(_MALFORMED, place))


async def claim_events(uow: UnitOfWork, consumer: str, keys: Sequence[str]) -> set[str]:
    """Insert the processed-event rows of a whole batch in one statement; the keys that were
    not processed before."""
    if not keys:
        return set()
    table = uow.tables.processed_events
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = uow.clock.now()
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.event_id)
    # The keys as parameters (executemany, RETURNING kept): compiled once, where one VALUES
    # clause with a bind parameter per key and column was compiled anew for every batch.
    rows = [{"consumer": consumer, "event_id": k, "processed_at": now} for k in keys]
    return set((await uow.session.scalars(stmt, rows)).all())


def first_of_each(parsed: list[Parsed]) -> list[Parsed]:
    """An event (or malformed record) twice in one batch is handled at its first place."""
    seen: set[str] = set()
    unique = []
    for item in parsed:
        key = claim_key(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


async def consume_batch(
    consumer: EventConsumer, route: Route, records: Sequence[Any], kafka: Any
) -> None:
    """faststream's batch handler: the records of one poll and the aiokafka consumer."""
    if not records:
        return
    topic = route.contract.topic
    with consuming_batch(consumer.group_id, topic, len(records)):
        parsed = parse_records(records, route.contract)
        try:
            await _in_one_transaction(consumer, route, parsed)
        except Exception as exc:
            if is_transient(exc):
                log.warning("database or broker unavailable for %s (%r); redelivering", topic, exc)
                await rewind(kafka, records)
                raise
            log.warning(
                "batch of %d on %s failed (%r): handling it one by one", len(records), topic, exc
            )
            try:
                await _one_by_one(consumer, route, parsed)
            except Exception:  # only a transient error leaves the per-message path
                await rewind(kafka, records)
                raise
        await commit_offsets(kafka, records)


async def _in_one_transaction(consumer: EventConsumer, route: Route, parsed: list[Parsed]) -> None:
    unique = first_of_each(parsed)
    async with consumer.uow_factory() as uow:
        new = await claim_events(uow, consumer.group_id, [claim_key(i) for i in unique])
        todo = [i for i in unique if claim_key(i) in new]
        handled: list[Handled] = [
            (r, e, ev) for r, e, ev in todo if e is not None and isinstance(ev, EventData)
        ]
        malformed = [(r, ev) for r, e, ev in todo if e is None]
        for record, error in malformed:
            log.error("parking malformed %s message: %s", route.contract.topic, error)
            add_parked(
                uow, consumer.group_id, route.contract.topic, record.value, record, str(error)
            )
        await _run_handlers(consumer, route, handled, uow)
        await uow.commit()
    for _, envelope, event in handled:
        event_handled(consumer.group_id, envelope, event)
    for _ in malformed:
        consumer.parked_total += 1
        message_parked(consumer.group_id, route.contract.topic)
    consumer.after_commit(route.contract.topic)  # once per batch: the jobs that events run


async def _run_handlers(
    consumer: EventConsumer, route: Route, handled: list[Handled], uow: UnitOfWork
) -> None:
    if route.batch_fn is not None:
        if handled:
            # A span per event in its own trace, as one by one: what the handler publishes for
            # an event continues that span, and the event's log line names its trace.
            with resumed_each(
                [traceparent_of(record) for record, _, _ in handled],
                f"{route.contract.topic} process",
                **{"messaging.batch.message_count": len(handled)},
            ) as spans:
                uow.traceparents = {
                    str(envelope.event_id): span.traceparent
                    for (_, envelope, _), span in zip(handled, spans, strict=True)
                }
                await route.batch_fn([(event, envelope) for _, envelope, event in handled], uow)
                for (record, envelope, _), span in zip(handled, spans, strict=True):
                    with (
                        span.current(),
                        consuming(consumer.group_id, record, in_batch=len(handled)),
                    ):
                        bind_event(envelope)  # one line per event, as one by one
        return
    assert route.handler is not None
    for record, envelope, event in handled:
        with (  # the span first: the line `consuming` writes at the end is in its trace
            resumed(traceparent_of(record), f"{route.contract.topic} process"),
            consuming(consumer.group_id, record),
        ):
            bind_event(envelope)
            async with uow.for_event(envelope):
                await route.handler(event, envelope, uow)


async def _one_by_one(consumer: EventConsumer, route: Route, parsed: list[Parsed]) -> None:
    handler = route.one_by_one()
    for record, envelope, event in parsed:
        if envelope is None:
            with consuming(consumer.group_id, record):
                await _park_malformed_once(consumer, route, (record, None, event))
            continue
        assert isinstance(event, EventData)
        with (
            resumed(traceparent_of(record), f"{route.contract.topic} process"),
            consuming(consumer.group_id, record),
        ):
            await consumer.process_parsed(
                route.contract, handler, record.value, record, envelope, event
            )


async def _park_malformed_once(consumer: EventConsumer, route: Route, item: Parsed) -> None:
    record, _, error = item
    async with consumer.uow_factory() as uow:
        if not await claim_events(uow, consumer.group_id, [claim_key(item)]):
            return
        log.error("parking malformed %s message: %s", route.contract.topic, error)
        add_parked(uow, consumer.group_id, route.contract.topic, record.value, record, str(error))
        await uow.commit()
    consumer.parked_total += 1
    message_parked(consumer.group_id, route.contract.topic)
    consumer.after_commit(route.contract.topic)


def traceparent_of(record: Any) -> str | None:
    for name, value in getattr(record, "headers", None) or ():
        if name == "traceparent":
            return bytes(value).decode("ascii", errors="replace")
    return None


def _partitions(records: Sequence[Any]) -> dict[TopicPartition, tuple[int, int]]:
    """Each partition of the batch: (its first offset, its last offset) in the batch."""
    spans: dict[TopicPartition, tuple[int, int]] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        first, last = spans.get(tp, (record.offset, record.offset))
        spans[tp] = (min(first, record.offset), max(last, record.offset))
    return spans


async def commit_offsets(kafka: Any, records: Sequence[Any]) -> None:
    """Commit each partition of the batch to its last record + 1. A failed commit (a
    rebalance took the partition) is only logged: the new owner redelivers, the claim in
    processed_events makes that a no-op."""
    if kafka is None or not hasattr(kafka, "assignment"):
        return  # a test calling without a broker
    offsets = {tp: last + 1 for tp, (_, last) in _partitions(records).items()}
    started = time.perf_counter()
    try:
        await kafka.commit(offsets)
    except Exception as exc:
        log.warning("offset commit of %s failed (%r): redelivery is deduplicated", offsets, exc)
    log.debug("offsets %s committed in %.1f ms", offsets, (time.perf_counter() - started) * 1000)


async def rewind(kafka: Any, records: Sequence[Any]) -> None:
    """Seek every partition of the batch back to its first record in the batch (faststream's
    batch nack is not relied upon): the whole batch is fetched again."""
    if kafka is None or not hasattr(kafka, "assignment"):
        return
    assigned = kafka.assignment()
    for tp, (first, _) in _partitions(records).items():
        if tp in assigned:  # a partition taken away meanwhile restarts from its commit
            kafka.seek(tp, first)
    await asyncio.sleep(1.0)  # a database coming back: no hot loop
