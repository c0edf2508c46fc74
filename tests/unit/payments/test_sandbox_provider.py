"""The sandbox PSP behaves like a real provider's test mode, with its own ledger."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.payments.adapters.provider import ProviderUnavailable, SandboxProvider, UnknownToken

pytestmark = pytest.mark.unit


@pytest.fixture
def provider(tmp_path: Path) -> SandboxProvider:
    return SandboxProvider(tmp_path / "psp" / "ledger.db")


async def _charge(provider: SandboxProvider, token: str, key: str = "invoice:inv-1:attempt:1"):
    return await provider.charge(idempotency_key=key, token=token, amount=12900, currency="EUR")


@pytest.mark.parametrize("token", ["tok_visa", "tok_mastercard", "tok_amex", "tok_paypal"])
async def test_test_tokens_for_valid_methods_are_charged(
    provider: SandboxProvider, token: str
) -> None:
    result = await _charge(provider, token)

    assert result.status == "succeeded"
    assert result.provider_charge_id
    assert result.failure_code is None


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("tok_chargeDeclined", "card_declined"),
        ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("tok_chargeDeclinedExpiredCard", "expired_card"),
        ("tok_unknown_to_the_provider", "invalid_token"),
    ],
)
async def test_declining_tokens_fail_with_a_reason_shown_to_the_customer(
    provider: SandboxProvider, token: str, code: str
) -> None:
    result = await _charge(provider, token)

    assert result.status == "failed"
    assert result.failure_code == code
    assert result.failure_message  # R-PAY-4: shown as an alert


async def test_same_idempotency_key_is_charged_once_and_returns_the_first_result(
    provider: SandboxProvider,
) -> None:
    first = await _charge(provider, "tok_visa")
    again = await _charge(provider, "tok_visa")

    assert again == first
    entries = await provider.ledger_entries()
    assert len(entries) == 1
    assert entries[0]["idempotency_key"] == "invoice:inv-1:attempt:1"
    assert entries[0]["amount"] == 12900


async def test_a_repeated_key_keeps_its_first_outcome_even_with_another_token(
    provider: SandboxProvider,
) -> None:
    declined = await _charge(provider, "tok_chargeDeclined")
    retried = await _charge(provider, "tok_visa")

    assert retried == declined
    assert len(await provider.ledger_entries()) == 1


async def test_different_attempts_are_different_charges(provider: SandboxProvider) -> None:
    await _charge(provider, "tok_chargeDeclined", key="invoice:inv-1:attempt:1")
    second = await _charge(provider, "tok_visa", key="invoice:inv-1:attempt:2")

    assert second.status == "succeeded"
    assert len(await provider.ledger_entries()) == 2


async def test_timeout_records_the_charge_then_loses_the_answer(provider: SandboxProvider) -> None:
    with pytest.raises(ProviderUnavailable):
        await _charge(provider, "tok_timeout")

    entries = await provider.ledger_entries()
    assert [e["status"] for e in entries] == ["succeeded"]


async def test_retrying_a_timed_out_key_returns_the_recorded_charge_without_charging_again(
    provider: SandboxProvider,
) -> None:
    with pytest.raises(ProviderUnavailable):
        await _charge(provider, "tok_timeout")

    retried = await _charge(provider, "tok_timeout")

    entries = await provider.ledger_entries()
    assert retried.status == "succeeded"
    assert len(entries) == 1
    assert retried.provider_charge_id == entries[0]["provider_charge_id"]


async def test_ledger_survives_a_new_provider_instance(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    first = await _charge(SandboxProvider(path), "tok_visa")

    after_restart = await _charge(SandboxProvider(path), "tok_visa")

    assert after_restart == first


async def test_token_tells_the_kind_brand_last_four_and_expiry_never_the_number(
    provider: SandboxProvider,
) -> None:
    card = await provider.attach("tok_visa")
    assert (card.kind, card.brand, card.last4) == ("card", "visa", "4242")
    assert card.exp_month and card.exp_year
    assert (await provider.attach("tok_paypal")).kind == "wallet"
    assert (await provider.attach("tok_konbini")).kind == "convenience_store"
    with pytest.raises(UnknownToken):
        await provider.attach("tok_made_up")


async def test_refund_is_made_once_per_key_and_never_above_the_charge(
    provider: SandboxProvider,
) -> None:
    charged = await _charge(provider, "tok_visa")  # 12,900
    pch = charged.provider_charge_id or ""

    first = await provider.refund(
        idempotency_key="r1", provider_charge_id=pch, amount=10000, currency="EUR"
    )
    again = await provider.refund(
        idempotency_key="r1", provider_charge_id=pch, amount=10000, currency="EUR"
    )
    too_much = await provider.refund(
        idempotency_key="r2", provider_charge_id=pch, amount=3000, currency="EUR"
    )
    rest = await provider.refund(
        idempotency_key="r3", provider_charge_id=pch, amount=2900, currency="EUR"
    )

    assert first.succeeded and again == first
    assert (too_much.status, too_much.failure_code) == ("failed", "amount_too_large")
    assert rest.succeeded
    assert [r["amount"] for r in await provider.refund_entries() if r["status"] == "succeeded"] == [
        10000,
        2900,
    ]


async def test_a_declined_charge_cannot_be_refunded(provider: SandboxProvider) -> None:
    declined = await _charge(provider, "tok_chargeDeclined")
    result = await provider.refund(
        idempotency_key="r1",
        provider_charge_id=declined.provider_charge_id or "",
        amount=1,
        currency="EUR",
    )
    assert result.failure_code == "charge_not_refundable"


async def test_a_new_ledger_charged_from_many_threads_at_once_answers_every_charge(
    tmp_path: Path,
) -> None:
    # The charge processor asks up to 16 charges at once, each in a thread: the first ones
    # create the ledger file together. Seen in CI: one of them got "database is locked".
    for attempt in range(20):
        fresh = SandboxProvider(tmp_path / f"psp-{attempt}" / "ledger.db")
        results = await asyncio.gather(
            *(_charge(fresh, "tok_visa", key=f"invoice:inv-{n}:attempt:1") for n in range(32))
        )

        assert [r.status for r in results] == ["succeeded"] * 32
        assert len(await fresh.ledger_entries()) == 32
