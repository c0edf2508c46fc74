from __future__ import annotations

from services.notifications.adapters.repository import NotificationsRepository
from shared.uow import UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    notices: NotificationsRepository
    account_url: str = "http://127.0.0.1:8000"  # set from the settings by the app: e-mail links

    def _start(self) -> None:
        self.notices = NotificationsRepository(self.session)
