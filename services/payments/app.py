"""Composition root of the payments service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.payments import demo
from services.payments.adapters.orm import messaging, metadata
from services.payments.adapters.provider import PaymentProvider, SandboxProvider
from services.payments.config import Settings
from services.payments.entrypoints import api, consumers
from services.payments.service_layer import handlers
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.runtime import Service


def build(
    settings: Settings | None = None, provider: PaymentProvider | None = None
) -> Service[PaymentsUnitOfWork]:
    settings = settings or Settings()
    psp = provider or SandboxProvider(settings.sandbox_ledger_path)
    service: Service[PaymentsUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=PaymentsUnitOfWork,
    )
    service.routers.extend([api.methods_router, api.charges_router])
    consumers.register(service.consumer)

    @service.periodic("charge-processor", settings.charge_processor_seconds)
    async def charge_processor(svc: Service[Any]) -> None:
        batch = settings.charge_processor_batch
        while await handlers.process_pending_charges(svc.uow(), psp, batch) >= batch:
            svc.relay.wake()
        svc.relay.wake()

    if settings.load_demo_data:
        service.on_startup.append(lambda svc: demo.load(svc.uow()))
    return service
