"""Composition root of the invoicing service."""

from __future__ import annotations

from pathlib import Path

from services.invoicing import demo
from services.invoicing.adapters.orm import messaging, metadata
from services.invoicing.config import Settings
from services.invoicing.entrypoints import api, consumers
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.runtime import Service


def build(settings: Settings | None = None) -> Service[InvoicingUnitOfWork]:
    settings = settings or Settings()
    service: Service[InvoicingUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=InvoicingUnitOfWork,
    )
    service.routers.extend(api.routers)
    consumers.register(service.consumer)
    if settings.load_demo_data:
        service.on_startup.append(lambda svc: demo.load(svc.uow()))
    return service
