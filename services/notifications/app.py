"""Composition root of the notifications service: consumes the facts customers are told about
and sends e-mails over SMTP (R-NOTE-1..5). HTTP: health, readiness and the dev clock only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.notifications.adapters.invoices import InvoicePdfs
from services.notifications.adapters.orm import messaging, metadata
from services.notifications.adapters.smtp import Mailer
from services.notifications.config import Settings
from services.notifications.entrypoints import api, consumers
from services.notifications.service_layer import delivery, notices
from services.notifications.service_layer.uow import NotificationsUnitOfWork
from shared.runtime import Service


def build(settings: Settings | None = None) -> Service[NotificationsUnitOfWork]:
    settings = settings or Settings()
    NotificationsUnitOfWork.account_url = settings.account_url.rstrip("/")
    service: Service[NotificationsUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=NotificationsUnitOfWork,
    )
    service.routers.append(api.router)
    consumers.register(service.consumer)
    mailer = Mailer(settings.smtp_url, settings.mail_from)
    pdfs = InvoicePdfs(settings.invoicing_url, settings.internal_token)
    policy = delivery.DeliveryPolicy(
        max_attempts=settings.mail_max_attempts,
        retry_seconds=settings.mail_retry_seconds,
        batch_size=settings.mail_batch_size,
    )

    # Mails are queued by events: each one handled runs it at once.
    @service.periodic("mail-delivery", settings.mail_delivery_seconds, on_events=True)
    async def deliver(svc: Service[Any]) -> None:
        await delivery.deliver_due(svc.uow, mailer, pdfs, policy)

    @service.periodic("notices-due", settings.notice_sweep_seconds)
    async def notices_due(svc: Service[Any]) -> None:
        await notices.queue_renewal_notices(svc.uow(), settings.notice_catch_up_days)
        await notices.queue_expiring_methods(svc.uow())

    return service
