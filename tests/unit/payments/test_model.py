"""Payment methods and charges: pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.payments.domain.model import (
    Charge,
    ChargeStatus,
    PaymentMethod,
    PaymentMethodKind,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)


def _method(
    kind: PaymentMethodKind, exp_month: int | None = 12, exp_year: int | None = 2030
) -> PaymentMethod:
    return PaymentMethod(
        id="pm-1",
        csn="5100000001",
        kind=kind,
        provider_token="tok_visa",
        brand="visa",
        last4="4242",
        holder_name="Acme Robotics GmbH",
        exp_month=exp_month,
        exp_year=exp_year,
    )


def _charge() -> Charge:
    return Charge.for_invoice(
        csn="5100000001",
        invoice_id="inv-1",
        attempt=1,
        amount=12900,
        currency="EUR",
        payment_method_id="pm-1",
        subscription_ids=["sub-1"],
        now=NOW,
    )


@pytest.mark.parametrize("kind", [PaymentMethodKind.CARD, PaymentMethodKind.PAYPAL])
def test_cards_and_paypal_renew_automatically(kind: PaymentMethodKind) -> None:
    assert _method(kind).recurring  # R-SUB-9


@pytest.mark.parametrize(
    "kind",
    [
        PaymentMethodKind.BANK_TRANSFER,
        PaymentMethodKind.ALIPAY,
        PaymentMethodKind.CONVENIENCE_STORE,
    ],
)
def test_bank_transfer_alipay_and_convenience_store_always_need_manual_renewal(
    kind: PaymentMethodKind,
) -> None:
    assert not _method(kind, None, None).recurring  # R-SUB-9


def test_card_is_valid_through_the_last_day_of_its_expiry_month() -> None:
    card = _method(PaymentMethodKind.CARD, exp_month=3, exp_year=2026)

    assert not card.is_expired(date(2026, 3, 31))
    assert card.is_expired(date(2026, 4, 1))  # R-SUB-5


def test_method_without_expiry_never_expires() -> None:
    assert not _method(PaymentMethodKind.BANK_TRANSFER, None, None).is_expired(date(2099, 1, 1))


def test_saved_method_holds_no_card_number_or_security_code() -> None:
    fields = set(vars(_method(PaymentMethodKind.CARD)))  # R-PAY-1

    assert not {"number", "card_number", "pan", "cvc", "cvv", "security_code"} & fields


def test_charge_idempotency_key_names_the_invoice_and_attempt() -> None:
    charge = _charge()

    assert charge.idempotency_key == "invoice:inv-1:attempt:1"
    assert charge.id == _charge().id  # the same request gives the same charge id
    assert charge.status == ChargeStatus.PENDING


def test_pending_charge_succeeds_once() -> None:
    charge = _charge()

    assert charge.succeed("ch_sandbox_1", LATER)
    assert not charge.succeed("ch_sandbox_2", LATER)
    assert charge.status == ChargeStatus.SUCCEEDED
    assert charge.provider_charge_id == "ch_sandbox_1"
    assert charge.updated_at == LATER


def test_failed_charge_is_not_marked_paid_afterwards() -> None:
    charge = _charge()
    charge.fail("card_declined", "Your card was declined.", LATER)

    assert not charge.succeed("ch_sandbox_late", LATER)
    assert charge.status == ChargeStatus.FAILED
    assert charge.provider_charge_id is None
    assert charge.failure_code == "card_declined"


def test_paid_charge_is_not_marked_failed_afterwards() -> None:
    charge = _charge()
    charge.succeed("ch_sandbox_1", LATER)

    assert not charge.fail("card_declined", "Your card was declined.", LATER)
    assert charge.status == ChargeStatus.SUCCEEDED
    assert charge.failure_code is None
