"""The unit of work of the subscriptions service: the shared `AggregateUnitOfWork` (aggregates
record their events, it writes them to the outbox on commit) with what each recorded event is
on the wire: a `NewVersion` of a subscription is its `subscription-changed` snapshot."""

from __future__ import annotations

from typing import Any

from services.subscriptions.adapters.bulk import SubscriptionRows
from services.subscriptions.adapters.repository import SubscriptionRepository
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer import messages
from shared.aggregate import NewVersion
from shared.events import EventData
from shared.uow import AggregateUnitOfWork


class SubscriptionsUnitOfWork(AggregateUnitOfWork):
    subscriptions: SubscriptionRepository
    rows: SubscriptionRows  # set-based reads and writes of the batch hot path

    def _start(self) -> None:
        super()._start()
        self.subscriptions = SubscriptionRepository(self.session)
        self.rows = SubscriptionRows(self.session)

    async def _outgoing(self, aggregate: Any, recorded: Any) -> list[EventData]:
        method = None
        if isinstance(recorded, NewVersion) and isinstance(aggregate, Subscription):
            method = await self.subscriptions.method(aggregate.payment_method_id)
        return outgoing(aggregate, recorded, method)


def outgoing(aggregate: Any, recorded: Any, method: PaymentMethodView | None) -> list[EventData]:
    """What a recorded event is on the wire; `method`: the subscription's payment method."""
    if isinstance(recorded, NewVersion):
        if not isinstance(aggregate, Subscription):
            return []  # a cart's version only guards concurrent checkouts
        return [messages.subscription_changed(aggregate, method)]
    return [messages.of_recorded(aggregate, recorded)]
