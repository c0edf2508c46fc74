"""The unit of work of the subscriptions service: the shared `AggregateUnitOfWork` (aggregates
record their events, it writes them to the outbox on commit) with what each recorded event is
on the wire: a `NewVersion` of a subscription is its `subscription-changed` snapshot."""

from __future__ import annotations

from typing import Any

from services.subscriptions.adapters.repository import SubscriptionRepository
from services.subscriptions.domain.model import Subscription
from services.subscriptions.service_layer import messages
from shared.aggregate import NewVersion
from shared.events import EventData
from shared.uow import AggregateUnitOfWork


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
