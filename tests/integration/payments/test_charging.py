"""Charging an issued invoice on a real database with the sandbox provider: at most once per
key, whatever is redelivered, lost on the way back, or cut short by a crash."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.adapters.provider import (
    ProviderResult,
    ProviderUnavailable,
    SandboxProvider,
)
from services.payments.domain.model import ChargeStatus, PaymentMethodKind, PaymentMethodStatus
from services.payments.service_layer import handlers
from shared.clock import FixedClock
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import (
    add_method,
    advance,
    charges_of,
    deliver,
    invoice,
    published,
    send,
)


async def test_issued_invoice_becomes_a_pending_charge_without_calling_the_provider(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)

    await deliver(uow, handlers.on_invoice_issued, invoice())

    [charge] = await charges_of(uow)
    assert charge.status == ChargeStatus.PENDING
    assert charge.idempotency_key == "invoice:inv-1:attempt:1"
    assert (charge.amount, charge.subscription_ids) == (11900, ["sub-1"])
    assert await published(db, "payment-succeeded") == []
    assert await sandbox.ledger_entries() == []


async def test_redelivered_invoice_does_not_add_a_second_charge(uow: UowFactory) -> None:
    await add_method(uow)

    await deliver(uow, handlers.on_invoice_issued, invoice())
    await deliver(uow, handlers.on_invoice_issued, invoice())

    assert len(await charges_of(uow)) == 1


async def test_manual_payment_method_leaves_the_invoice_waiting_for_a_manual_payment(
    uow: UowFactory,
) -> None:
    await add_method(
        uow, token="tok_konbini", kind=PaymentMethodKind.CONVENIENCE_STORE, exp_month=None
    )

    await deliver(uow, handlers.on_invoice_issued, invoice())

    assert await charges_of(uow) == []  # R-SUB-9


async def test_deleted_payment_method_fails_the_payment_without_the_provider(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow, status=PaymentMethodStatus.DELETED)
    await deliver(uow, handlers.on_invoice_issued, invoice())

    await send(uow, sandbox)

    [failed] = await published(db, "payment-failed")
    assert failed["reason"] == "payment_method_missing"
    assert failed["subscription_ids"] == ["sub-1"]
    assert await sandbox.ledger_entries() == []


async def test_expired_card_fails_without_asking_the_provider(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow, exp_month=2, exp_year=2026)  # the clock is in March 2026
    await deliver(uow, handlers.on_invoice_issued, invoice())

    await send(uow, sandbox)

    [failed] = await published(db, "payment-failed")
    assert failed["reason"] == "expired_card"  # R-SUB-5
    assert await sandbox.ledger_entries() == []


async def test_pending_charge_is_paid_and_announced_once(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())

    assert await send(uow, sandbox) == 1
    assert await send(uow, sandbox) == 0

    [paid] = await published(db, "payment-succeeded")
    assert (paid["invoice_id"], paid["amount"], paid["attempt"]) == ("inv-1", 11900, 1)
    [entry] = await sandbox.ledger_entries()
    assert paid["provider_charge_id"] == entry["provider_charge_id"]
    [charge] = await charges_of(uow)
    assert charge.status == ChargeStatus.SUCCEEDED and charge.settled_at is not None


async def test_declined_card_publishes_the_reason_and_when_it_is_tried_again(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    await add_method(uow, token="tok_chargeDeclinedInsufficientFunds")
    await deliver(uow, handlers.on_invoice_issued, invoice())

    await send(uow, sandbox)

    [failed] = await published(db, "payment-failed")
    assert failed["reason"] == "insufficient_funds"  # R-PAY-4: shown as an alert
    assert failed["message"]
    assert failed["final"] is False
    assert failed["next_retry_at"].startswith((clock.now() + timedelta(days=1)).date().isoformat())


async def test_lost_provider_answer_is_recovered_with_the_same_key_without_charging_twice(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow, token="tok_timeout")
    await deliver(uow, handlers.on_invoice_issued, invoice())

    assert await send(uow, sandbox) == 0  # timed out: the outcome is unknown
    [charge] = await charges_of(uow)
    assert charge.status == ChargeStatus.PROCESSING
    assert await send(uow, sandbox) == 1

    [paid] = await published(db, "payment-succeeded")
    [entry] = await sandbox.ledger_entries()
    assert paid["provider_charge_id"] == entry["provider_charge_id"]


class Killed(BaseException):
    """Stands for the process dying: nothing after it runs."""


class DiesAfterTheProviderAnswered:
    def __init__(self, real: SandboxProvider) -> None:
        self.real = real

    async def charge(self, **kwargs: Any) -> ProviderResult:
        await self.real.charge(**kwargs)
        raise Killed


async def test_charge_left_processing_by_a_killed_process_is_sent_again_with_its_key(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())
    try:
        await send(uow, DiesAfterTheProviderAnswered(sandbox))
    except Killed:
        pass
    [charge] = await charges_of(uow)
    assert charge.status == ChargeStatus.PROCESSING  # its lease has not run out yet

    assert await send(uow, sandbox) == 0  # another replica leaves it to its owner's lease...
    assert await send(uow, sandbox, reclaim_all_processing=True) == 1  # ...a restart takes it

    assert len(await published(db, "payment-succeeded")) == 1
    assert [e["status"] for e in await sandbox.ledger_entries()] == ["succeeded"]


async def test_charge_of_a_replica_that_died_is_taken_over_when_its_lease_runs_out(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())
    try:
        await send(uow, DiesAfterTheProviderAnswered(sandbox))
    except Killed:
        pass

    advance(clock, seconds=61)
    assert await send(uow, sandbox) == 1

    assert len(await published(db, "payment-succeeded")) == 1
    assert len(await sandbox.ledger_entries()) == 1


async def test_two_replicas_sending_at_once_charge_every_invoice_once(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    for n in range(30):
        await deliver(uow, handlers.on_invoice_issued, invoice(f"inv-{n:02d}"))

    sent = await asyncio.gather(send(uow, sandbox), send(uow, sandbox))

    assert sum(sent) == 30
    paid = await published(db, "payment-succeeded")
    assert sorted(p["invoice_id"] for p in paid) == [f"inv-{n:02d}" for n in range(30)]
    assert len(await sandbox.ledger_entries()) == 30


async def test_provider_outage_leaves_the_charge_to_be_sent_again(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    class Down:
        async def charge(self, **kwargs: Any) -> ProviderResult:
            raise ProviderUnavailable("connection refused")

    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())

    assert await send(uow, Down()) == 0
    assert await send(uow, sandbox) == 1
    assert len(await published(db, "payment-succeeded")) == 1


async def test_an_invoice_announced_again_gets_its_succeeded_charge_announced_again(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """Reconciliation (issue 16): the first payment-succeeded was lost; invoicing announces the
    invoice again; payments says again what succeeded, without charging again."""
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())
    await send(uow, sandbox)

    await deliver(uow, handlers.on_invoice_issued, invoice())

    first, again = await published(db, "payment-succeeded")
    assert again == first  # the same charge, the same amount: invoicing applies it once
    assert len(await sandbox.ledger_entries()) == 1 and len(await charges_of(uow)) == 1


async def test_an_invoice_announced_again_before_its_charge_ran_announces_nothing(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())
    await deliver(uow, handlers.on_invoice_issued, invoice())

    assert await published(db, "payment-succeeded") == []
    assert await send(uow, sandbox) == 1  # the one pending charge, charged once
