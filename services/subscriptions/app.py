"""Composition root of the subscriptions service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from services.subscriptions import demo
from services.subscriptions.adapters.orm import messaging, metadata
from services.subscriptions.config import Settings
from services.subscriptions.entrypoints import api, consumers
from services.subscriptions.service_layer import sweeps
from services.subscriptions.service_layer.commands import (
    ExpireLapsedSubscriptions,
    RequestDueRenewals,
    RequestUnansweredRenewalsAgain,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.drain import drain
from shared.runtime import Service

Sweep = Callable[[SubscriptionsUnitOfWork], Awaitable[int]]


async def drain_sweep(svc: Service[Any], sweep: Sweep, batch_size: int) -> int:
    """Run the sweep, one unit of work a batch, until a batch changes fewer than a full batch
    (shared.drain), waking the relay after each one. A sweep counts what it changed, not what
    it selected: a row it selects but leaves alone cannot make this loop spin."""

    async def one_batch() -> int:
        async with svc.uow() as uow:
            return await sweep(uow)

    # each batch that wrote events woke the relay at its commit
    return await drain(one_batch, batch_size, after_full_batch=svc.relay.wake)


def build(settings: Settings | None = None) -> Service[SubscriptionsUnitOfWork]:
    settings = settings or Settings()
    service: Service[SubscriptionsUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=SubscriptionsUnitOfWork,
    )
    service.routers.extend(api.routers)
    consumers.register(service.consumer)
    renew = RequestDueRenewals(settings.renewal_sweep_batch)
    expire = ExpireLapsedSubscriptions(settings.renewal_grace_days, settings.expiry_sweep_batch)
    again = RequestUnansweredRenewalsAgain(timedelta(seconds=settings.renewal_unanswered_seconds))

    @service.periodic("renewal-sweep", settings.renewal_sweep_seconds)
    async def renewal_sweep(svc: Service[Any]) -> None:
        await drain_sweep(
            svc, lambda uow: sweeps.request_due_renewals(renew, uow), renew.batch_size
        )

    @service.periodic("renewal-reconciliation", settings.renewal_reconcile_seconds)
    async def renewal_reconciliation(svc: Service[Any]) -> None:
        async with svc.uow() as uow:
            if await sweeps.request_unanswered_renewals_again(again, uow):
                svc.relay.wake()

    @service.periodic("expiry-sweep", settings.expiry_sweep_seconds)
    async def expiry_sweep(svc: Service[Any]) -> None:
        await drain_sweep(
            svc, lambda uow: sweeps.expire_lapsed_subscriptions(expire, uow), expire.batch_size
        )

    if settings.load_demo_data:
        service.on_startup.append(lambda svc: demo.load(svc.uow()))
    return service
