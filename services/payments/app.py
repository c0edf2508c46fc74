"""Composition root of the payments service."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from services.payments import demo
from services.payments.adapters.orm import messaging, metadata
from services.payments.adapters.provider import DieAfterCharge, PaymentProvider, SandboxProvider
from services.payments.config import Settings
from services.payments.entrypoints import api, consumers
from services.payments.service_layer import methods, processing
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.drain import drain
from shared.events import CreditNoteIssued, InvoiceIssued, InvoicePaymentRequested
from shared.runtime import Service

log = logging.getLogger(__name__)


def build(
    settings: Settings | None = None, provider: PaymentProvider | None = None
) -> Service[PaymentsUnitOfWork]:
    settings = settings or Settings()
    psp: PaymentProvider = provider or SandboxProvider(settings.sandbox_ledger_path)
    if settings.crash_after_provider:  # the crash test's hook; refused in prod by Settings
        psp = DieAfterCharge(psp)
    policy = processing.Policy(
        lease=timedelta(seconds=settings.charge_lease_seconds),
        retry_days=tuple(settings.payment_retry_days),
        concurrency=settings.charge_processor_concurrency,
    )
    service: Service[PaymentsUnitOfWork] = Service(
        settings,
        metadata=metadata,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        uow_class=PaymentsUnitOfWork,
    )
    service.provider = psp  # type: ignore[attr-defined]  # read by the routes (entrypoints/deps.payment_provider)
    service.routers.extend(api.routers)
    consumers.register(service.consumer)
    if settings.load_demo_data:
        service.on_startup.append(lambda svc: demo.load(svc.uow()))
    _schedule_jobs(service, settings, psp, policy)
    return service


def _schedule_jobs(
    service: Service[PaymentsUnitOfWork],
    settings: Settings,
    psp: PaymentProvider,
    policy: processing.Policy,
) -> None:
    """Start-up reconciliation, the charge processor, retries (R-PAY-4) and card expiry."""
    batch = settings.charge_processor_batch

    async def reconcile(svc: Service[Any]) -> None:
        """After a crash: whatever was sent but not recorded is sent again with its key."""
        charges = await processing.send_charges(
            svc.uow(), psp, policy, batch, reclaim_all_processing=True
        )
        refunds = await processing.send_refunds(
            svc.uow(), psp, policy, batch, reclaim_all_processing=True
        )
        log.info(
            "start-up: %d charge(s) and %d refund(s) settled with the provider", charges, refunds
        )

    service.on_startup.append(reconcile)

    # Charges and refunds are made by events (an invoice issued or its payment asked for, a
    # credit note): a batch of those runs it at once; other topics make it no work.
    @service.periodic(
        "charge-processor",
        settings.charge_processor_seconds,
        on_events=(InvoiceIssued.topic, InvoicePaymentRequested.topic, CreditNoteIssued.topic),
    )
    async def charge_processor(svc: Service[Any]) -> None:
        await drain(
            lambda: processing.send_charges(svc.uow(), psp, policy, batch),
            batch,
            after_full_batch=svc.relay.wake,
        )
        # what they recorded woke the relay at its commit (a unit of work that wrote events)
        await processing.send_refunds(svc.uow(), psp, policy, batch)

    @service.periodic("payment-retries", settings.retry_job_seconds)
    async def payment_retries(svc: Service[Any]) -> None:
        """R-PAY-4: due retries become new charges, sent by the charge processor."""
        await drain(lambda: processing.schedule_due_retries(svc.uow(), batch), batch)

    @service.periodic("card-expiry", settings.method_expiry_seconds)
    async def card_expiry(svc: Service[Any]) -> None:
        """R-SUB-5: a card past its expiry is announced as no longer valid."""
        await drain(lambda: methods.announce_expired_cards(svc.uow(), batch), batch)
        svc.relay.wake()
