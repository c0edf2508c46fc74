"""R-PAY-4: a failed automatic charge is retried on a schedule (1, 3, 5, 7 days after the first
failure by default), each attempt a new charge with its own key, until it succeeds, the invoice
is paid otherwise, or the schedule ends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.adapters.provider import SandboxProvider
from services.payments.domain.model import ChargeStatus
from services.payments.service_layer import handlers, processing
from shared.clock import FixedClock
from tests.integration.payments.conftest import START, UowFactory
from tests.integration.payments.helpers import (
    CSN,
    add_method,
    advance,
    cancelled,
    charges_of,
    deliver,
    invoice,
    paid,
    published,
    send,
    subscription,
)


async def _declined_invoice(uow: UowFactory, sandbox: SandboxProvider, n: int = 1) -> None:
    await add_method(uow, token="tok_chargeDeclined")
    for i in range(1, n + 1):
        await deliver(uow, handlers.on_invoice_issued, invoice(f"inv-{i}"))
    await send(uow, sandbox)


async def _retry_round(uow: UowFactory, sandbox: SandboxProvider) -> int:
    created = await processing.schedule_due_retries(uow())
    await send(uow, sandbox)
    return created


async def test_declined_charge_is_retried_on_schedule_each_time_with_a_new_key(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4"""
    await _declined_invoice(uow, sandbox)

    assert await _retry_round(uow, sandbox) == 0  # not due yet
    for day in (1, 3, 5, 7):
        clock.at = START + timedelta(days=day, minutes=1)
        assert await _retry_round(uow, sandbox) == 1
    clock.at = START + timedelta(days=30)
    assert await _retry_round(uow, sandbox) == 0  # the schedule has ended

    failures = await published(db, "payment-failed")
    assert [f["attempt"] for f in failures] == [1, 2, 3, 4, 5]
    assert {f["reason"] for f in failures} == {"card_declined"}
    assert [f["next_retry_at"] and f["next_retry_at"][:10] for f in failures] == [
        *((START + timedelta(days=d)).date().isoformat() for d in (1, 3, 5, 7)),
        None,
    ]
    assert [f["final"] for f in failures] == [False, False, False, False, True]
    keys = [c.idempotency_key for c in await charges_of(uow)]
    assert keys == [f"invoice:inv-1:attempt:{n}" for n in range(1, 6)]
    assert len(await sandbox.ledger_entries()) == 5


async def test_retry_times_missed_while_down_are_skipped_not_fired_in_a_burst(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4"""
    await _declined_invoice(uow, sandbox)

    clock.at = START + timedelta(days=6)
    assert await _retry_round(uow, sandbox) == 1
    assert await _retry_round(uow, sandbox) == 0

    last = (await published(db, "payment-failed"))[-1]
    assert last["attempt"] == 2
    assert last["next_retry_at"].startswith((START + timedelta(days=7)).date().isoformat())


async def test_retry_charges_the_method_now_linked_and_a_success_ends_the_retries(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4: the customer fixes the payment error by linking another card."""
    await _declined_invoice(uow, sandbox)
    await add_method(uow, "pm-new", token="tok_mastercard")
    await deliver(uow, handlers.on_subscription_changed, subscription(payment_method_id="pm-new"))

    advance(clock, days=1, minutes=1)
    await _retry_round(uow, sandbox)
    advance(clock, days=10)
    assert await _retry_round(uow, sandbox) == 0

    [ok] = await published(db, "payment-succeeded")
    assert (ok["attempt"], ok["payment_method_id"]) == (2, "pm-new")
    assert [c.status for c in await charges_of(uow)] == [
        ChargeStatus.FAILED,
        ChargeStatus.SUCCEEDED,
    ]


async def test_invoice_paid_otherwise_stops_the_retries(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4"""
    await _declined_invoice(uow, sandbox)

    await deliver(uow, handlers.on_invoice_paid, paid("inv-1"))
    advance(clock, days=8)

    assert await _retry_round(uow, sandbox) == 0
    assert len(await charges_of(uow)) == 1
    assert (await charges_of(uow))[0].retry_at is None


async def test_retry_created_but_not_sent_is_cancelled_when_the_invoice_is_paid(
    uow: UowFactory, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4"""
    await _declined_invoice(uow, sandbox)
    advance(clock, days=1, minutes=1)
    assert await processing.schedule_due_retries(uow()) == 1

    await deliver(uow, handlers.on_invoice_paid, paid("inv-1"))
    await send(uow, sandbox)

    assert [c.status for c in await charges_of(uow)] == [
        ChargeStatus.FAILED,
        ChargeStatus.CANCELED,
    ]
    assert len(await sandbox.ledger_entries()) == 1


async def test_two_replicas_scheduling_retries_at_once_create_each_retry_once(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4, ARCHITECTURE: periodic jobs are safe with N replicas."""
    await _declined_invoice(uow, sandbox, n=20)
    advance(clock, days=1, minutes=1)

    created = await asyncio.gather(
        processing.schedule_due_retries(uow(), 7), processing.schedule_due_retries(uow(), 7)
    )
    while await processing.schedule_due_retries(uow(), 7):
        pass

    assert sum(created) <= 20
    await send(uow, sandbox)
    second = [f for f in await published(db, "payment-failed") if f["attempt"] == 2]
    assert sorted(f["invoice_id"] for f in second) == sorted(f"inv-{i}" for i in range(1, 21))
    assert len(await sandbox.ledger_entries()) == 40


async def test_cancelled_invoice_is_no_longer_collected(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4, R-INV-1: nothing is owed on a cancelled invoice: no retry, nothing upcoming."""
    await _declined_invoice(uow, sandbox)

    await deliver(uow, handlers.on_invoice_cancelled, cancelled("inv-1"))
    advance(clock, days=8)

    assert await _retry_round(uow, sandbox) == 0
    assert len(await sandbox.ledger_entries()) == 1
    async with uow() as u:
        assert await u.invoices.open_of_account(CSN) == []
