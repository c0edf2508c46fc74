from __future__ import annotations

from services.subscriptions.adapters.repository import SubscriptionRepository
from shared.uow import UnitOfWork


class SubscriptionsUnitOfWork(UnitOfWork):
    subscriptions: SubscriptionRepository

    def _start(self) -> None:
        self.subscriptions = SubscriptionRepository(self.session)
