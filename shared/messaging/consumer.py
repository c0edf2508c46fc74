"""Idempotent consumers on faststream subscribers.

Every handler runs inside one unit of work that first records (consumer, event_id) in
processed_events: a duplicate key means "already done", never check-then-insert. The offset
is committed only after that transaction committed (ack after processing). A message that
cannot be parsed, or keeps failing, is parked on `<topic>.dlq` (through the outbox) with its
error and the consumer moves on. A database outage is not the message's fault: it is never
parked; the message is redelivered once the database is back.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from types import TracebackType
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

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


E = TypeVar("E", bound=EventData)
U = TypeVar("U", bound=UnitOfWork)
Handler = Callable[[E, Envelope, U], Awaitable[None]]
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
    ) -> None:
        self.broker = broker
        self.uow_factory = uow_factory
        self.group_id = group_id
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay_seconds
        self.group_settings = group_settings or {}
        self.parked_total = 0
        self.after_commit: Callable[[], None] = lambda: None

    def on(self, contract: type[E]) -> Callable[[Handler[E, Any]], Handler[E, Any]]:
        def register(handler: Handler[E, Any]) -> Handler[E, Any]:
            # One Kafka consumer group per (service, topic): a service's subscribers never
            # rebalance each other, and N replicas of the service share each topic's partitions.
            async def _consume(msg: KafkaMessage) -> None:
                with consuming(self.group_id, msg.raw_message):  # log fields of the record
                    await self.process(contract, handler, msg.body, msg.raw_message)

            self.broker.subscriber(
                contract.topic,
                group_id=f"{self.group_id}.{contract.topic}",
                auto_offset_reset="earliest",
                ack_policy=AckPolicy.NACK_ON_ERROR,
                title=f"{self.group_id}:{contract.topic}",
                description=(handler.__doc__ or "").strip() or None,
                **self.group_settings,
            )(_consume)
            return handler

        return register

    async def process(
        self, contract: type[E], handler: Handler[E, Any], raw: bytes, record: Any = None
    ) -> None:
        try:
            envelope, event = parse_event(raw, contract)
        except MalformedEvent as exc:
            log.error("parking malformed %s message: %s", contract.topic, exc)
            await self._park(contract.topic, raw, record, str(exc), None)
            return
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
        self.after_commit()

    async def _park(
        self, topic: str, raw: bytes, record: Any, error: str, envelope: Envelope | None
    ) -> None:
        parked = DeadLettered(
            source_topic=topic,
            partition=getattr(record, "partition", None),
            offset=getattr(record, "offset", None),
            consumer_group=self.group_id,
            error=error[:4000],
            payload=raw.decode("utf-8", errors="replace"),
        )
        async with self.uow_factory(
            correlation_id=envelope.correlation_id if envelope else None,
            causation_id=str(envelope.event_id) if envelope else None,
        ) as uow:
            uow.outbox.add(
                parked,
                correlation_id=uow.correlation_id,
                causation_id=uow.causation_id,
                topic=dead_letter_topic(topic),
            )
            await uow.commit()
        self.parked_total += 1
        message_parked(self.group_id, topic)
        self.after_commit()
