"""The unit of work: owns one transaction, and is the one place that commits; state changes and
the events they cause (written to the outbox) commit together."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.events import EventData
from shared.messaging.outbox import Outbox
from shared.messaging.tables import MessagingTables


class UnitOfWork:
    """Owns one transaction: state changes and the events they cause commit together.

    Services subclass it to attach their repositories in `_start`.
    """

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

    def publish(self, event: EventData) -> None:
        """Record an event in the outbox; it leaves only if this transaction commits."""
        self.outbox.add(event, correlation_id=self.correlation_id, causation_id=self.causation_id)

    async def commit(self) -> None:
        await self.outbox.flush()
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
