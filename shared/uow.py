"""The unit of work: owns one transaction, and is the one place that commits; state changes and
the events they cause (written to the outbox) commit together.

`AggregateUnitOfWork` adds STYLE.md 8: aggregates (`shared.aggregate.Aggregate`) record their
events, and the unit of work collects them from every aggregate the transaction touched and
writes them to the outbox on commit, in the order they happened, one `NewVersion` per
aggregate; a subclass says what a recorded event is on the wire (`_outgoing`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shared.aggregate import Aggregate, Collected, in_publishing_order
from shared.clock import Clock
from shared.events import Envelope, EventData
from shared.messaging.outbox import Outbox
from shared.messaging.tables import MessagingTables
from shared.observability.tracing import current_traceparent


class UnitOfWork:
    """Owns one transaction: state changes and the events they cause commit together.

    Services subclass it to attach their repositories in `_start`. A commit that wrote outbox
    rows sends `NOTIFY notify_channel` within the transaction (PostgreSQL: the relay of every
    replica listens) and then calls `after_commit` (this process's relay); the service sets both.
    """

    notify_channel: str | None = None
    after_commit: Callable[[], None] | None = None

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        producer: str,
        tables: MessagingTables,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.producer = producer
        self.tables = tables
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        # The W3C traceparent each consumed event of a batch arrived with, by event id (set by
        # the batch consumer): what a set-based handler publishes continues its event's trace.
        self.traceparents: dict[str, str | None] = {}
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.outbox = Outbox(self.session, self.clock, self.producer, self.tables.outbox)
        self._start()
        return self

    def _start(self) -> None:
        """Attach repositories to self.session (overridden by services)."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()  # no-op after commit
        finally:
            await self.session.close()

    def publish(self, event: EventData, *, cause: Envelope | None = None) -> None:
        """Record an event in the outbox; it leaves only if this transaction commits. `cause`:
        the consumed event it follows from (set-based batch handlers handle many at once)."""
        if cause is not None:
            self.outbox.add(
                event,
                correlation_id=cause.correlation_id,
                causation_id=str(cause.event_id),
                traceparent=self.traceparent_of(cause),
            )
            return
        self.outbox.add(event, correlation_id=self.correlation_id, causation_id=self.causation_id)

    @contextlib.asynccontextmanager
    async def for_event(self, envelope: Envelope) -> AsyncIterator[Self]:
        """Handle one consumed event of a batch inside this transaction: what is published
        meanwhile (aggregates' recorded events included) carries its correlation and causation
        ids; the previous ids are back afterwards."""
        saved = self.correlation_id, self.causation_id
        self.correlation_id, self.causation_id = envelope.correlation_id, str(envelope.event_id)
        try:
            yield self
            await self._publish_recorded()  # before the ids switch to the next event's
        finally:
            self.correlation_id, self.causation_id = saved

    async def _publish_recorded(self) -> None:
        """Turn what aggregates recorded into outbox rows (AggregateUnitOfWork)."""

    def traceparent_of(self, cause: Envelope) -> str | None:
        """The trace an effect of `cause` continues: the one its record carried (a batch),
        else the current span's."""
        return self.traceparents.get(str(cause.event_id)) or current_traceparent()

    async def commit(self) -> None:
        written = await self.outbox.flush()
        if written and self.notify_channel:  # delivered to listeners when the commit succeeds
            await self.session.execute(
                text("SELECT pg_notify(:channel, '')"), {"channel": self.notify_channel}
            )
        await self.session.commit()
        if written and self.after_commit is not None:
            self.after_commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class AggregateUnitOfWork(UnitOfWork):
    """A unit of work that publishes what aggregates recorded. Subclasses say what a recorded
    event is on the wire (`_outgoing`) and call `super()._start()` when they attach their
    repositories."""

    def _start(self) -> None:
        # An aggregate is held by the session only until it is flushed (autoflush runs before
        # every query): take its events then, or they could be lost with the object.
        self._collected: list[Collected] = []
        event.listen(self.session.sync_session, "before_flush", self._collect_from_session)

    def _collect_from_session(self, session: Session, *_: Any) -> None:
        for obj in [*session.dirty, *session.new]:
            if isinstance(obj, Aggregate):
                self._collected.extend((seq, obj, e) for seq, e in obj.collect_events())

    async def _outgoing(self, aggregate: Any, recorded: Any) -> list[EventData]:
        raise NotImplementedError(f"{type(self).__name__} publishes no {recorded!r}")

    async def _publish_recorded(self) -> None:
        await self.session.flush()  # every touched aggregate passes through before_flush
        self._collect_everywhere()
        collected, self._collected = self._collected, []
        for aggregate, recorded in in_publishing_order(collected):
            for outgoing in await self._outgoing(aggregate, recorded):
                self.publish(outgoing)

    async def commit(self) -> None:
        await self._publish_recorded()
        await super().commit()

    def _collect_everywhere(self) -> None:
        self._collect_from_session(self.session.sync_session)
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, Aggregate):
                self._collected.extend((seq, obj, e) for seq, e in obj.collect_events())

    async def rollback(self) -> None:
        self._collect_everywhere()
        self._collected = []  # what was recorded never happened
        await super().rollback()
