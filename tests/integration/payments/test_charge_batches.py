"""The charge processor sends batches: one statement claims many charges, the provider is
called concurrently (bounded), every answer is recorded in one transaction. Still one provider
call per idempotency key, and one charge's trouble is never another's."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from opentelemetry import context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.adapters.provider import (
    ProviderResult,
    ProviderUnavailable,
    SandboxProvider,
)
from services.payments.domain.model import ChargeStatus, PaymentMethodStatus
from services.payments.service_layer import announce, handlers, processing
from shared.clock import FixedClock
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import (
    POLICY,
    add_method,
    advance,
    charges_of,
    deliver,
    invoice,
    published,
    send,
)
from tests.integration.payments.test_charge_trace import outbox_traceparents


class Recording:
    """The sandbox, with every call counted per key and how many were in flight at once;
    the keys in `down` get no answer, those in `broken` an unexpected error."""

    def __init__(
        self, real: SandboxProvider, down: set[str] | None = None, broken: set[str] | None = None
    ) -> None:
        self.real, self.down, self.broken = real, down or set(), broken or set()
        self.calls: Counter[str] = Counter()
        self.in_flight = self.most_in_flight = 0

    async def charge(self, **kwargs: Any) -> ProviderResult:
        key = kwargs["idempotency_key"]
        self.calls[key] += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)  # a provider's round trip: the calls overlap
            if key in self.down:
                raise ProviderUnavailable("connection reset")
            if key in self.broken:
                raise RuntimeError("the provider's SDK fell over")
            return await self.real.charge(**kwargs)
        finally:
            self.in_flight -= 1


def key(n: int) -> str:
    return f"invoice:inv-{n:03d}:attempt:1"


async def issue(uow: UowFactory, count: int) -> None:
    await add_method(uow)
    for n in range(count):
        await deliver(uow, handlers.on_invoice_issued, invoice(f"inv-{n:03d}"))


async def processor(uow: UowFactory, provider: Any, batch: int) -> int:
    """As the periodic job does: batch after batch until one comes back short."""
    settled = 0
    while (done := await processing.send_charges(uow(), provider, POLICY, batch)) == batch:
        settled += done
    return settled + done


async def test_two_processors_claiming_batches_at_once_call_the_provider_once_per_key(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await issue(uow, 120)
    provider = Recording(sandbox)

    settled = await asyncio.gather(processor(uow, provider, 25), processor(uow, provider, 25))

    assert sum(settled) == 120
    assert set(provider.calls) == {key(n) for n in range(120)}
    assert set(provider.calls.values()) == {1}  # never the same key twice, let alone a charge
    ledger = await sandbox.ledger_entries()
    assert sorted(e["idempotency_key"] for e in ledger) == sorted(provider.calls)
    announced = await published(db, "payment-succeeded")
    assert sorted(p["invoice_id"] for p in announced) == [f"inv-{n:03d}" for n in range(120)]
    assert {p["provider_charge_id"] for p in announced} == {e["provider_charge_id"] for e in ledger}


async def test_provider_calls_of_a_batch_overlap_up_to_the_concurrency_setting(
    uow: UowFactory, sandbox: SandboxProvider
) -> None:
    await issue(uow, 20)
    provider = Recording(sandbox)

    policy = replace(POLICY, concurrency=4)
    assert await processing.send_charges(uow(), provider, policy, 100) == 20

    assert provider.most_in_flight == 4
    assert len(await sandbox.ledger_entries()) == 20


async def test_one_charge_without_an_answer_and_one_with_an_error_leave_the_batch_paid(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    await issue(uow, 10)
    provider = Recording(sandbox, down={key(3)}, broken={key(7)})

    assert await send(uow, provider) == 8

    announced = await published(db, "payment-succeeded")
    assert sorted(p["invoice_id"] for p in announced) == [
        f"inv-{n:03d}" for n in range(10) if n not in (3, 7)
    ]
    [no_answer] = await charges_of(uow, "inv-003")
    [error] = await charges_of(uow, "inv-007")
    assert no_answer.status == error.status == ChargeStatus.PROCESSING
    assert no_answer.lease_until == clock.now()  # released: any processor sends it again now
    assert error.lease_until == clock.now() + POLICY.lease  # it may be charged: its lease

    provider.down, provider.broken = set(), set()
    assert await send(uow, provider) == 1  # the released one
    advance(clock, seconds=61)
    assert await send(uow, provider) == 1  # the other, once its lease ran out

    assert len(await published(db, "payment-succeeded")) == 10
    assert len(await sandbox.ledger_entries()) == 10
    assert provider.calls[key(3)] == provider.calls[key(7)] == 2  # the same key again
    assert {provider.calls[key(n)] for n in range(10) if n not in (3, 7)} == {1}


async def test_an_answer_that_cannot_be_recorded_loses_none_of_the_others(
    uow: UowFactory,
    db: AsyncEngine,
    sandbox: SandboxProvider,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await issue(uow, 6)
    real_announcement = announce.payment_succeeded

    def announcement(charge: Any) -> Any:
        if charge.invoice_id == "inv-002":
            raise ValueError("an answer this code cannot record")
        return real_announcement(charge)

    monkeypatch.setattr(announce, "payment_succeeded", announcement)
    with pytest.raises(ValueError, match="cannot record"):
        await send(uow, sandbox)

    announced = await published(db, "payment-succeeded")
    assert sorted(p["invoice_id"] for p in announced) == [
        "inv-000",
        "inv-001",
        "inv-003",
        "inv-004",
        "inv-005",
    ]
    [stuck] = await charges_of(uow, "inv-002")
    assert stuck.status == ChargeStatus.PROCESSING

    monkeypatch.setattr(announce, "payment_succeeded", real_announcement)
    advance(clock, seconds=61)
    assert await send(uow, sandbox) == 1  # sent again with its key: the provider's first answer
    assert len(await published(db, "payment-succeeded")) == 6
    assert len(await sandbox.ledger_entries()) == 6


async def test_each_charge_of_a_batch_is_announced_in_its_own_trace(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    traces = [uuid.uuid4().hex for _ in range(3)]
    for n, trace_id in enumerate(traces):
        consumed = TraceContextTextMapPropagator().extract(
            {"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}
        )
        token = context.attach(consumed)
        try:
            await deliver(uow, handlers.on_invoice_issued, invoice(f"inv-{n:03d}"))
        finally:
            context.detach(token)
    await deliver(uow, handlers.on_invoice_issued, invoice("inv-untraced"))

    assert await send(uow, sandbox) == 4

    traceparents = await outbox_traceparents(db, "payment-succeeded")
    assert sorted(t.split("-")[1] for t in traceparents if t) == sorted(traces)
    assert traceparents.count(None) == 1


async def test_a_batch_of_charges_settled_without_the_provider_commits_them_all(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """An expired card and a deleted method fail at the claim; the good one is charged."""
    await add_method(uow)
    await add_method(uow, "pm-expired", exp_month=2, exp_year=2026)  # the clock: March 2026
    await add_method(uow, "pm-deleted", status=PaymentMethodStatus.DELETED)
    for n, method in enumerate(("pm-card", "pm-expired", "pm-deleted")):
        await deliver(
            uow, handlers.on_invoice_issued, invoice(f"inv-{n:03d}", payment_method_id=method)
        )

    assert await send(uow, sandbox) == 3

    failed = await published(db, "payment-failed")
    assert sorted((f["invoice_id"], f["reason"]) for f in failed) == [
        ("inv-001", "expired_card"),
        ("inv-002", "payment_method_missing"),
    ]
    [succeeded] = await published(db, "payment-succeeded")
    assert succeeded["invoice_id"] == "inv-000"
    assert [e["idempotency_key"] for e in await sandbox.ledger_entries()] == [key(0)]
