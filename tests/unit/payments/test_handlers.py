"""Charging an issued invoice, with fake repositories and the sandbox provider."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.payments.adapters.provider import (
    PaymentProvider,
    ProviderResult,
    ProviderUnavailable,
    SandboxProvider,
)
from services.payments.domain.model import (
    Charge,
    ChargeStatus,
    PaymentMethod,
    PaymentMethodKind,
    PaymentMethodStatus,
)
from services.payments.service_layer import handlers
from shared.clock import FixedClock
from shared.events import (
    Envelope,
    EventData,
    InvoiceIssued,
    InvoiceLineRef,
    PaymentFailed,
    PaymentSucceeded,
)

pytestmark = pytest.mark.unit

CSN = "5100000001"
TODAY = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeMethods:
    def __init__(self, methods: list[PaymentMethod]) -> None:
        self.rows = {m.id: m for m in methods}

    async def get(self, csn: str, method_id: str) -> PaymentMethod | None:
        method = self.rows.get(method_id)
        return method if method is not None and method.csn == csn else None


class FakeCharges:
    def __init__(self) -> None:
        self.rows: dict[str, Charge] = {}

    def add(self, charge: Charge) -> None:
        self.rows[charge.id] = charge

    async def get_by_idempotency_key(self, key: str) -> Charge | None:
        return next((c for c in self.rows.values() if c.idempotency_key == key), None)

    async def lock_next_pending(self, skip_ids: Collection[str]) -> Charge | None:
        pending = [c for c in self.rows.values() if c.is_pending and c.id not in skip_ids]
        return min(pending, key=lambda c: (c.updated_at, c.id), default=None)


class FakeUow:
    def __init__(self, methods: list[PaymentMethod]) -> None:
        self.clock = FixedClock(TODAY)
        self.payment_methods = FakeMethods(methods)
        self.charges = FakeCharges()
        self.correlation_id: str | None = None
        self.causation_id: str | None = None
        self._pending: list[EventData] = []
        self.published: list[EventData] = []

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._pending.clear()  # not committed: nothing leaves

    def publish(self, event: EventData) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self.published += self._pending
        self._pending.clear()


def _card(token: str = "tok_visa", **overrides: Any) -> PaymentMethod:
    fields: dict[str, Any] = dict(
        id="pm-card",
        csn=CSN,
        kind=PaymentMethodKind.CARD,
        provider_token=token,
        brand="visa",
        last4="4242",
        holder_name="Acme Robotics GmbH",
        exp_month=12,
        exp_year=2030,
    )
    return PaymentMethod(**(fields | overrides))


def _invoice(**overrides: Any) -> InvoiceIssued:
    fields: dict[str, Any] = dict(
        invoice_id="inv-1",
        invoice_number="INV-0001",
        csn=CSN,
        currency="EUR",
        subtotal=10000,
        tax=1900,
        total=11900,
        amount_due=11900,
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 1),
        collection="automatic",
        payment_method_id="pm-card",
        lines=[InvoiceLineRef(subscription_id="sub-1", amount=10000), InvoiceLineRef(amount=0)],
    )
    return InvoiceIssued(**(fields | overrides))


def _envelope(event: InvoiceIssued) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=event.topic,
        version=1,
        occurred_at=TODAY,
        producer="invoicing",
        correlation_id="corr-1",
        key=event.invoice_id,
        data=event.model_dump(mode="json"),
    )


async def _issue(uow: FakeUow, event: InvoiceIssued) -> None:
    async with uow:
        await handlers.on_invoice_issued(event, _envelope(event), uow)  # type: ignore[arg-type]
        await uow.commit()


async def _process(uow: FakeUow, provider: PaymentProvider) -> int:
    return await handlers.process_pending_charges(uow, provider, limit=10)  # type: ignore[arg-type]


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxProvider:
    return SandboxProvider(tmp_path / "ledger.db")


async def test_issued_invoice_becomes_a_pending_charge_without_calling_the_provider(
    sandbox: SandboxProvider,
) -> None:
    uow = FakeUow([_card()])

    await _issue(uow, _invoice())

    [charge] = uow.charges.rows.values()
    assert charge.status == ChargeStatus.PENDING
    assert charge.idempotency_key == "invoice:inv-1:attempt:1"
    assert charge.amount == 11900
    assert charge.subscription_ids == ["sub-1"]
    assert uow.published == []
    assert await sandbox.ledger_entries() == []


async def test_redelivered_invoice_does_not_add_a_second_charge() -> None:
    uow = FakeUow([_card()])

    await _issue(uow, _invoice())
    await _issue(uow, _invoice())

    assert len(uow.charges.rows) == 1


@pytest.mark.parametrize(
    "overrides",
    [{"collection": "manual"}, {"payment_method_id": None}, {"amount_due": 0}],
)
async def test_invoices_not_collected_automatically_are_not_charged(
    overrides: dict[str, Any],
) -> None:
    uow = FakeUow([_card()])

    await _issue(uow, _invoice(**overrides))

    assert uow.charges.rows == {}
    assert uow.published == []


async def test_manual_payment_method_leaves_the_invoice_waiting_for_a_manual_payment() -> None:
    transfer = _card(
        "tok_bank_transfer", kind=PaymentMethodKind.BANK_TRANSFER, exp_month=None, exp_year=None
    )
    uow = FakeUow([transfer])

    await _issue(uow, _invoice())

    assert uow.charges.rows == {}  # R-SUB-9
    assert uow.published == []


@pytest.mark.parametrize(
    "methods",
    [[], [_card(status=PaymentMethodStatus.DELETED)], [_card(csn="5100000002")]],
    ids=["unknown", "deleted", "other-account"],
)
async def test_missing_payment_method_fails_the_payment(methods: list[PaymentMethod]) -> None:
    uow = FakeUow(methods)

    await _issue(uow, _invoice())

    [failed] = uow.published
    assert isinstance(failed, PaymentFailed)
    assert failed.reason == "payment_method_missing"
    assert failed.subscription_ids == ["sub-1"]


async def test_expired_card_fails_without_asking_the_provider(sandbox: SandboxProvider) -> None:
    uow = FakeUow([_card(exp_month=2, exp_year=2026)])

    await _issue(uow, _invoice())
    await _process(uow, sandbox)

    [failed] = uow.published
    assert isinstance(failed, PaymentFailed)
    assert failed.reason == "expired_card"  # R-SUB-5
    assert await sandbox.ledger_entries() == []


async def test_pending_charge_is_paid_and_announced_once(sandbox: SandboxProvider) -> None:
    uow = FakeUow([_card("tok_visa")])
    await _issue(uow, _invoice())

    assert await _process(uow, sandbox) == 1
    assert await _process(uow, sandbox) == 0

    [paid] = uow.published
    assert isinstance(paid, PaymentSucceeded)
    assert (paid.invoice_id, paid.amount, paid.attempt) == ("inv-1", 11900, 1)
    assert paid.subscription_ids == ["sub-1"]
    assert len(await sandbox.ledger_entries()) == 1


async def test_declined_card_publishes_the_reason_shown_to_the_customer(
    sandbox: SandboxProvider,
) -> None:
    uow = FakeUow([_card("tok_chargeDeclinedInsufficientFunds")])
    await _issue(uow, _invoice())

    await _process(uow, sandbox)

    [failed] = uow.published
    assert isinstance(failed, PaymentFailed)
    assert failed.reason == "insufficient_funds"  # R-PAY-4
    assert failed.message
    assert next(iter(uow.charges.rows.values())).status == ChargeStatus.FAILED


async def test_lost_provider_answer_is_recovered_next_round_without_charging_twice(
    sandbox: SandboxProvider,
) -> None:
    uow = FakeUow([_card("tok_timeout")])
    await _issue(uow, _invoice())

    assert await _process(uow, sandbox) == 0  # timed out: still pending
    assert uow.published == []
    assert await _process(uow, sandbox) == 1

    [paid] = uow.published
    entries = await sandbox.ledger_entries()
    assert isinstance(paid, PaymentSucceeded)
    assert len(entries) == 1
    assert paid.provider_charge_id == entries[0]["provider_charge_id"]


class CrashAfterProviderAnswered:
    """The process dies after the provider accepted the charge and before our commit."""

    def __init__(self, real: SandboxProvider) -> None:
        self.real = real

    async def charge(self, **kwargs: Any) -> ProviderResult:
        await self.real.charge(**kwargs)
        raise ProviderUnavailable("process crashed before commit")


async def test_crash_before_commit_leaves_the_charge_pending_and_the_retry_reuses_the_key(
    sandbox: SandboxProvider,
) -> None:
    uow = FakeUow([_card("tok_visa")])
    await _issue(uow, _invoice())

    await _process(uow, CrashAfterProviderAnswered(sandbox))
    await _process(uow, sandbox)

    assert [type(e) for e in uow.published] == [PaymentSucceeded]
    assert len(await sandbox.ledger_entries()) == 1
