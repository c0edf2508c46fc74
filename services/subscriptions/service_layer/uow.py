"""The unit of work of the subscriptions service. `AggregateUnitOfWork` is the generic part
(written to move into shared/uow.py): aggregates record their events, the unit of work
collects them from every aggregate the transaction touched and writes them to the outbox on
commit, in the order they happened; only the last `NewVersion` of an aggregate is kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from services.subscriptions.adapters.repository import SubscriptionRepository
from services.subscriptions.domain.aggregate import Aggregate, NewVersion
from services.subscriptions.domain.model import Subscription
from services.subscriptions.service_layer import messages
from shared.events import EventData
from shared.uow import UnitOfWork


class AggregateUnitOfWork(UnitOfWork):
    """Subclasses say what an aggregate's recorded event is on the wire (`_outgoing`)."""

    def _start(self) -> None:
        # An aggregate is held by the session only until it is flushed (autoflush runs before
        # every query): take its events then, or they could be lost with the object.
        self._collected: list[tuple[int, Aggregate, Any]] = []
        event.listen(self.session.sync_session, "before_flush", self._collect_from_session)

    def _collect_from_session(self, session: Session, *_: Any) -> None:
        for obj in [*session.dirty, *session.new]:
            if isinstance(obj, Aggregate):
                self._collected.extend((seq, obj, e) for seq, e in obj.collect_events())

    async def _outgoing(self, aggregate: Any, recorded: Any) -> list[EventData]:
        raise NotImplementedError(f"{type(self).__name__} publishes no {recorded!r}")

    async def commit(self) -> None:
        await self.session.flush()  # every touched aggregate passes through before_flush
        self._collect_everywhere()
        collected, self._collected = sorted(self._collected, key=lambda c: c[0]), []
        last_version = {id(agg): seq for seq, agg, e in collected if isinstance(e, NewVersion)}
        for seq, aggregate, recorded in collected:
            if isinstance(recorded, NewVersion) and last_version[id(aggregate)] != seq:
                continue  # one snapshot per aggregate, after its last change
            for outgoing in await self._outgoing(aggregate, recorded):
                self.publish(outgoing)
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


class SubscriptionsUnitOfWork(AggregateUnitOfWork):
    subscriptions: SubscriptionRepository

    def _start(self) -> None:
        super()._start()
        self.subscriptions = SubscriptionRepository(self.session)

    async def _outgoing(self, aggregate: Any, recorded: Any) -> list[EventData]:
        if isinstance(recorded, NewVersion):
            if not isinstance(aggregate, Subscription):
                return []  # a cart's version only guards concurrent checkouts
            method = await self.subscriptions.method(aggregate.payment_method_id)
            return [messages.subscription_changed(aggregate, method)]
        return [messages.of_recorded(aggregate, recorded)]
