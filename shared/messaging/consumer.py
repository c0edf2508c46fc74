"""Idempotent consumers on faststream subscribers.

Every handler runs inside a unit of work that first records (consumer, event_id) in
processed_events: a duplicate key means "already done", never check-then-insert. The offset
is committed only after that transaction committed (ack after processing). A message that
cannot be parsed, or keeps failing, is parked on `<topic>.dlq` (through the outbox) with its
error and the consumer moves on. A database outage is not the message's fault: it is never
parked; the message is redelivered once the database is back.

Subscribers consume in batches (shared/messaging/batch.py): what one poll returns is handled
in one transaction, and falls back to the one-by-one path below when a handler fails.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import partial
from itertools import chain
from types import MethodType, TracebackType
from typing import Any, Protocol, Self, TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.events import DeadLettered, Envelope, EventData, dead_letter_topic
from shared.messaging.outbox import Outbox
from shared.messaging.tables import MessagingTables
from shared.messaging.transient import is_transient
from shared.observability.logging import bind_event, consuming
from shared.observability.metrics import event_handled, message_parked

log = logging.getLogger(__name__)


class UnitOfWork(Protocol):
    """What a consumer needs of a service's unit of work (shared/uow.py is the one in use):
    declared here so that the delivery machinery does not import the layer that uses it."""

    session: AsyncSession
    clock: Clock
    tables: MessagingTables
    outbox: Outbox
    correlation_id: str | None
    causation_id: str | None
    traceparents: dict[str, str | None]  # by event id, for set-based handlers

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def for_event(self, envelope: Envelope) -> AbstractAsyncContextManager[Any]: ...


E = TypeVar("E", bound=EventData)
U = TypeVar("U", bound=UnitOfWork)
Handler = Callable[[E, Envelope, U], Awaitable[None]]
# Set-based: the new (deduplicated) events of a batch, in partition/offset order.
BatchHandler = Callable[[Sequence[tuple[E, Envelope]], Any], Awaitable[None]]
UowFactory = Callable[..., U]


class MalformedEvent(ValueError):
    pass


def parse_event(raw: bytes, contract: type[E]) -> tuple[Envelope, E]:
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid envelope: {exc}") from exc
    if envelope.type != contract.topic:
        raise MalformedEvent(f"type {envelope.type!r} on topic {contract.topic!r}")
    if envelope.version > contract.version:
        raise MalformedEvent(f"unsupported version {envelope.version} of {contract.topic}")
    try:
        return envelope, contract.model_validate(envelope.data)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid {contract.topic} data: {exc}") from exc


async def claim_event(uow: UnitOfWork, consumer: str, event_id: uuid.UUID) -> bool:
    """Insert the processed-event row first; False when it was already processed."""
    try:
        await uow.session.execute(
            uow.tables.processed_events.insert().values(
                consumer=consumer, event_id=str(event_id), processed_at=uow.clock.now()
            )
        )
        await uow.session.flush()
    except IntegrityError:
        await uow.rollback()
        return False
    return True


class EventConsumer:
    """Registers idempotent handlers of one service on a broker; `group_id` (the service name)
    prefixes each topic's consumer group and names the consumer in processed_events."""

    def __init__(
        self,
        broker: KafkaBroker,
        uow_factory: UowFactory[Any],
        group_id: str,
        *,
        max_attempts: int = 3,
        retry_delay_seconds: float = 0.2,
        group_settings: dict[str, Any] | None = None,
        batch_max_records: int = 200,
        batch_wait_ms: int = 1_000,
        fetch_busy_wait_ms: int | None = None,
    ) -> None:
        self.broker = broker
        self.uow_factory = uow_factory
        self.group_id = group_id
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay_seconds
        self.group_settings = group_settings or {}
        self.batch_max_records = batch_max_records
        self.batch_wait_ms = batch_wait_ms
        idle = self.group_settings.get("fetch_max_wait_ms", 500)
        self.fetch_waits = FetchWaits(idle, min(idle, fetch_busy_wait_ms or idle))
        self.parked_total = 0
        # after each committed batch or message, with its topic: the service runs the jobs
        # that events of that topic make work for
        self.after_commit: Callable[[str], None] = lambda topic: None

    def on(
        self, contract: type[E], *, batch: bool = True
    ) -> Callable[[Handler[E, Any]], Handler[E, Any]]:
        """A handler of one event. `batch=False`: one transaction and one offset commit per
        message (for a handler whose effects a batch's rollback could not undo)."""

        def register(handler: Handler[E, Any]) -> Handler[E, Any]:
            if batch:
                self._subscribe_batch(Route(contract, handler=handler), handler.__doc__)
            else:
                self._subscribe_one(contract, handler)
            return handler

        return register

    def on_batch(self, contract: type[E]) -> Callable[[BatchHandler[E]], BatchHandler[E]]:
        """A set-based handler: `fn(items, uow)` gets the batch's new events as (event,
        envelope) pairs in partition/offset order, all in one transaction; one by one (lists
        of one) when the batch falls back. Publish with `uow.publish(e, cause=envelope)`."""

        def register(fn: BatchHandler[E]) -> BatchHandler[E]:
            self._subscribe_batch(Route(contract, batch_fn=fn), fn.__doc__)
            return fn

        return register

    def _subscriber_settings(self, contract: type[EventData], doc: str | None) -> dict[str, Any]:
        # One Kafka consumer group per (service, topic): a service's subscribers never
        # rebalance each other, and N replicas of the service share each topic's partitions.
        return {
            "group_id": f"{self.group_id}.{contract.topic}",
            "auto_offset_reset": "earliest",
            "title": f"{self.group_id}:{contract.topic}",
            "description": (doc or "").strip() or None,
            **self.group_settings,
        }

    def _subscribe_one(self, contract: type[E], handler: Handler[E, Any]) -> None:
        async def _consume(msg: KafkaMessage) -> None:
            with consuming(self.group_id, msg.raw_message):  # log fields of the record
                await self.process(contract, handler, msg.body, msg.raw_message)

        self.broker.subscriber(
            contract.topic,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            **self._subscriber_settings(contract, handler.__doc__),
        )(_consume)

    def _subscribe_batch(self, route: Route, doc: str | None) -> None:
        from shared.messaging.batch import consume_batch  # it builds on this module

        async def _consume(msg: KafkaMessage) -> None:
            # MANUAL: faststream neither commits nor seeks; consume_batch commits each
            # partition's offset after the database commit, or seeks every partition back.
            await consume_batch(self, route, msg.raw_message, msg.consumer)

        subscriber = self.broker.subscriber(
            route.contract.topic,
            batch=True,
            max_records=self.batch_max_records,
            batch_timeout_ms=self.batch_wait_ms,
            ack_policy=AckPolicy.MANUAL,
            **self._subscriber_settings(route.contract, doc),
        )
        subscriber(_consume)
        subscriber.get_msg = MethodType(partial(_poll_batch, waits=self.fetch_waits), subscriber)

    async def process(
        self, contract: type[E], handler: Handler[E, Any], raw: bytes, record: Any = None
    ) -> None:
        try:
            envelope, event = parse_event(raw, contract)
        except MalformedEvent as exc:
            log.error("parking malformed %s message: %s", contract.topic, exc)
            await self._park(contract.topic, raw, record, str(exc), None)
            return
        await self.process_parsed(contract, handler, raw, record, envelope, event)

    async def process_parsed(
        self,
        contract: type[E],
        handler: Handler[E, Any],
        raw: bytes,
        record: Any,
        envelope: Envelope,
        event: E,
    ) -> None:
        """One message in its own transaction: retried, then parked; a transient error is
        raised (the message must come back)."""
        bind_event(envelope)
        last: BaseException | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self._handle_once(handler, envelope, event)
                return
            except Exception as exc:
                if is_transient(exc):  # not the message's fault: never counts towards parking
                    log.warning(
                        "database or broker unavailable for %s (%r); redelivering later",
                        contract.topic,
                        exc,
                    )
                    await asyncio.sleep(1.0)
                    raise  # nack: the offset is not committed, the message comes back
                last = exc
                log.warning(
                    "%s handler failed (attempt %d/%d): %r",
                    contract.topic,
                    attempt,
                    self.max_attempts,
                    exc,
                    exc_info=True,
                )
                await asyncio.sleep(self.retry_delay * attempt)
        await self._park(contract.topic, raw, record, f"handler failed: {last!r}", envelope)

    async def _handle_once(self, handler: Handler[E, Any], envelope: Envelope, event: E) -> None:
        async with self.uow_factory(
            correlation_id=envelope.correlation_id, causation_id=str(envelope.event_id)
        ) as uow:
            if not await claim_event(uow, self.group_id, envelope.event_id):
                log.info("%s %s already processed", envelope.type, envelope.event_id)
                return
            await handler(event, envelope, uow)
            await uow.commit()
        event_handled(self.group_id, envelope, event)  # domain metrics
        self.after_commit(type(event).topic)

    async def _park(
        self, topic: str, raw: bytes, record: Any, error: str, envelope: Envelope | None
    ) -> None:
        async with self.uow_factory(
            correlation_id=envelope.correlation_id if envelope else None,
            causation_id=str(envelope.event_id) if envelope else None,
        ) as uow:
            add_parked(uow, self.group_id, topic, raw, record, error)
            await uow.commit()
        self.parked_total += 1
        message_parked(self.group_id, topic)
        self.after_commit(topic)


def add_parked(
    uow: UnitOfWork, consumer: str, topic: str, raw: bytes, record: Any, error: str
) -> None:
    """The outbox row that parks a message on `<topic>.dlq`, with the unit of work's ids."""
    parked = DeadLettered(
        source_topic=topic,
        partition=getattr(record, "partition", None),
        offset=getattr(record, "offset", None),
        consumer_group=consumer,
        error=error[:4000],
        payload=raw.decode("utf-8", errors="replace"),
    )
    uow.outbox.add(
        parked,
        correlation_id=uow.correlation_id,
        causation_id=uow.causation_id,
        topic=dead_letter_topic(topic),
    )


@dataclass(frozen=True)
class Route:
    """What a batch subscriber runs: a per-event handler, or a set-based function."""

    contract: type[EventData]
    handler: Handler[Any, Any] | None = None
    batch_fn: BatchHandler[Any] | None = None

    def one_by_one(self) -> Handler[Any, Any]:
        """The handler of the one-by-one path (a set-based function gets lists of one)."""
        if self.handler is not None:
            return self.handler
        fn = self.batch_fn
        assert fn is not None

        async def single(event: EventData, envelope: Envelope, uow: Any) -> None:
            await fn([(event, envelope)], uow)

        return single


@dataclass(frozen=True)
class FetchWaits:
    """How long the broker may hold a consumer's fetch: `idle` while its topic is quiet,
    `busy` once a poll brought records, until a poll brings none (CONSUMER_FETCH_MAX_WAIT_MS,
    CONSUMER_FETCH_BUSY_WAIT_MS).

    The embedded broker (Tansu 0.6.0) does not answer a fetch as soon as data is there: it
    looks, then sleeps half of what is left of the wait (all of it under 250 ms) whether it
    found records or not, so each hop of a flow waits about a quarter of the fetch wait. A
    short wait for every consumer would cost CPU at rest (one fetch per wait per consumer);
    a short wait only while records flow costs nothing at rest. On Kafka a fetch returns
    when data arrives, so both waits only bound an empty fetch there."""

    idle: int
    busy: int

    def after_poll(self, consumer: Any, brought_records: bool) -> None:
        # aiokafka (0.14) reads its fetcher's `_fetch_max_wait_ms` for every fetch request it
        # builds; the next one is built after this poll returns, so it takes the new wait.
        # tests/integration/test_fetch_waits.py fails if an upgrade renames it.
        fetcher = getattr(consumer, "_fetcher", None)
        if fetcher is not None and hasattr(fetcher, "_fetch_max_wait_ms"):
            fetcher._fetch_max_wait_ms = self.busy if brought_records else self.idle


async def _poll_batch(subscriber: Any, consumer: Any, *, waits: FetchWaits) -> tuple[Any, ...]:
    """One poll of a batch subscriber: what the consumer has fetched, waiting at most
    `batch_timeout_ms` for a first record. `getmany` returns as soon as a record arrives, so
    the wait adds no latency. faststream's own poll sleeps as long again after an empty one:
    that sleep delays the next record, and with a short wait it wakes every idle consumer
    ten times a second (measured: invoicing and notifications above 2 % of a core at rest)."""
    started = asyncio.get_running_loop().time()
    records = await consumer.getmany(
        timeout_ms=subscriber.batch_timeout_ms, max_records=subscriber.max_records
    )
    waits.after_poll(consumer, bool(records))  # before the next fetch request is built
    if not records:
        if asyncio.get_running_loop().time() - started < 0.05:
            await asyncio.sleep(0.05)  # returned at once with nothing (stopping): do not spin
        return ()
    return tuple(chain(*records.values()))
