"""Transactional outbox: events are rows written in the same transaction as the state change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.events import Envelope, EventData
from shared.observability.tracing import current_traceparent


def build_envelope(
    event: EventData,
    *,
    producer: str,
    clock: Clock,
    correlation_id: str | None,
    causation_id: str | None,
    event_id: uuid.UUID | None = None,
) -> Envelope:
    event_id = event_id or uuid.uuid4()
    return Envelope(
        event_id=event_id,
        type=event.topic,
        version=event.version,
        occurred_at=clock.now(),
        producer=producer,
        correlation_id=correlation_id or str(event_id),
        causation_id=causation_id,
        key=event.aggregate_key(),
        data=event.model_dump(mode="json"),
    )


class Outbox:
    def __init__(self, session: AsyncSession, clock: Clock, producer: str, table: Table) -> None:
        self.table = table
        self.session = session
        self.clock = clock
        self.producer = producer
        # (envelope, topic, traceparent of the span that added it: one batch, many traces)
        self._pending: list[tuple[Envelope, str, str | None]] = []

    def add(
        self,
        event: EventData,
        *,
        correlation_id: str | None,
        causation_id: str | None,
        topic: str | None = None,
        traceparent: str | None = None,
    ) -> Envelope:
        envelope = build_envelope(
            event,
            producer=self.producer,
            clock=self.clock,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self.add_envelope(envelope, topic=topic or event.topic, traceparent=traceparent)
        return envelope

    def add_envelope(
        self, envelope: Envelope, *, topic: str, traceparent: str | None = None
    ) -> None:
        """`traceparent`: the trace the row continues (a batch's event's); else the current span's."""
        self._pending.append((envelope, topic, traceparent or current_traceparent()))

    async def flush(self) -> int:
        """Write pending events as outbox rows (called by the unit of work before commit);
        returns how many were written."""
        pending = self._pending
        if not pending:
            return 0
        rows = [
            {
                "event_id": str(env.event_id),
                "topic": topic,
                "message_key": env.key,
                "payload": env.model_dump_json(),
                # The wall clock, as published_at: the dev clock's offset would skew its age.
                "created_at": datetime.now(UTC),
                "traceparent": traceparent,
            }
            for env, topic, traceparent in pending
        ]
        await self.session.execute(self.table.insert(), rows)
        pending.clear()
        return len(rows)
