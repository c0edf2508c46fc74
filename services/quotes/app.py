"""Composition root of the quotes service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.quotes import demo
from services.quotes.adapters.orm import messaging, metadata
from services.quotes.config import Settings
from services.quotes.entrypoints import api, consumers
from services.quotes.service_layer import automatic, handlers
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
    service.routers.extend([api.router, api.partner_router])
    consumers.register(service.consumer)

    @service.periodic("quote-expiry", settings.quote_expiry_sweep_seconds)
    async def quote_expiry(svc: Service[Any]) -> None:
        await handlers.expire_quotes(svc.uow())

    @service.periodic("automatic-renewal-quotes", settings.automatic_quotes_seconds)
    async def automatic_renewal_quotes(svc: Service[Any]) -> None:
        await automatic.make_automatic_quotes(svc.uow(), settings.automatic_quote_catch_up_days)

    if settings.load_demo_data:
        service.on_startup.append(lambda svc: demo.load(svc.uow()))
    return service
