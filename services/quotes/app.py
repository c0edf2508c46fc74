"""Composition root of the quotes service."""

from __future__ import annotations

from pathlib import Path

from services.quotes.adapters.orm import messaging, metadata
from services.quotes.config import Settings
from services.quotes.entrypoints import api
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.runtime import Service


def build(settings: Settings | None = None) -> Service[QuotesUnitOfWork]:
    settings = settings or Settings()
    service: Service[QuotesUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=QuotesUnitOfWork,
    )
    service.routers.append(api.router)
    return service
