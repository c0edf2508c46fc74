"""Composition root of the subscriptions service."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from services.subscriptions import demo
from services.subscriptions.adapters.orm import messaging, metadata
from services.subscriptions.config import Settings
from services.subscriptions.entrypoints import api, consumers
from services.subscriptions.service_layer import handlers
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.runtime import Service


def build(settings: Settings | None = None) -> Service[SubscriptionsUnitOfWork]:
    settings = settings or Settings()
    service: Service[SubscriptionsUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=SubscriptionsUnitOfWork,
    )
    service.routers.append(api.router)
    consumers.register(service.consumer)

    @service.periodic("renewal-sweep", settings.renewal_sweep_seconds)
    async def renewal_sweep(svc: Service[Any]) -> None:
        while (
            await handlers.sweep_due_renewals(svc.uow(), settings.renewal_sweep_batch)
            >= settings.renewal_sweep_batch
        ):
            svc.relay.wake()
        svc.relay.wake()

    @service.periodic("renewal-reconciliation", settings.renewal_reconcile_seconds)
    async def renewal_reconciliation(svc: Service[Any]) -> None:
        unanswered = timedelta(seconds=settings.renewal_unanswered_seconds)
        if await handlers.reconcile_renewals(svc.uow(), unanswered):
            svc.relay.wake()

    @service.periodic("expiry-sweep", settings.expiry_sweep_seconds)
    async def expiry_sweep(svc: Service[Any]) -> None:
        while (
            await handlers.sweep_expired(
                svc.uow(), settings.renewal_grace_days, settings.expiry_sweep_batch
            )
            >= settings.expiry_sweep_batch
        ):
            svc.relay.wake()
        svc.relay.wake()

    if settings.load_demo_data:
        service.on_startup.append(lambda svc: demo.load(svc.uow()))
    return service
