"""Payment methods and charges: pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.payments.domain.model import (
    Charge,
    ChargeStatus,
    PaymentMethod,
    PaymentMethodInUse,
    PaymentMethodKind,
    PaymentMethodStatus,
    make_default,
)
from services.payments.domain.refunds import allocate_refund
from shared.errors import DomainError

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


@pytest.mark.parametrize("kind", [PaymentMethodKind.CARD, PaymentMethodKind.WALLET])
def test_cards_and_wallets_renew_automatically(kind: PaymentMethodKind) -> None:
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


def _card(method_id: str = "pm-1", **kw: object) -> PaymentMethod:
    method = _method(PaymentMethodKind.CARD)
    method.id = method_id
    for k, v in kw.items():
        setattr(method, k, v)
    return method


def test_saved_method_is_labelled_by_brand_and_last_four_digits() -> None:
    assert _card().label == "Visa •••• 4242"
    wallet = _method(PaymentMethodKind.WALLET, None, None)
    wallet.last4 = None
    assert wallet.label == "PayPal"


def test_one_default_per_account_and_only_changed_flags_are_reported() -> None:
    a, b, c = _card("pm-a", is_default=True), _card("pm-b"), _card("pm-c")

    changed = make_default([a, b, c], b, LATER)

    assert [m.id for m in changed] == ["pm-a", "pm-b"]  # R-PAY-1
    assert [m.is_default for m in (a, b, c)] == [False, True, False]
    assert make_default([a, b, c], b, LATER) == []


def test_card_expiry_can_be_updated_for_a_reissued_card_but_not_to_the_past() -> None:
    card = _card()
    card.modify(holder_name=None, exp_month=1, exp_year=2033, today=date(2026, 3, 1), now=LATER)
    assert (card.exp_month, card.exp_year) == (1, 2033)

    with pytest.raises(DomainError) as past:
        card.modify(holder_name=None, exp_month=2, exp_year=2026, today=date(2026, 3, 1), now=LATER)
    assert past.value.code == "expiry_in_past"
    with pytest.raises(DomainError) as half:
        card.modify(holder_name=None, exp_month=2, exp_year=None, today=date(2026, 3, 1), now=LATER)
    assert half.value.code == "expiry_incomplete"


def test_only_cards_have_an_expiry() -> None:
    transfer = _method(PaymentMethodKind.BANK_TRANSFER, None, None)
    with pytest.raises(DomainError) as refused:
        transfer.modify(
            holder_name=None, exp_month=1, exp_year=2030, today=date(2026, 3, 1), now=LATER
        )
    assert refused.value.code == "expiry_not_applicable"


def test_method_paying_for_an_auto_renewal_cannot_be_deleted_and_says_what_to_do() -> None:
    card = _card()
    with pytest.raises(PaymentMethodInUse) as refused:
        card.delete(["sub-2", "sub-1"], LATER)  # R-PAY-1
    assert refused.value.code == "payment_method_in_use"
    assert "sub-1, sub-2" in refused.value.message
    assert "Link another payment method" in refused.value.message
    assert card.is_active


def test_deleted_method_is_inactive_no_longer_default_and_cannot_be_changed() -> None:
    card = _card(is_default=True)
    card.delete([], LATER)
    assert (card.status, card.is_default, card.is_valid(date(2026, 3, 1))) == (
        PaymentMethodStatus.DELETED,
        False,
        False,
    )
    with pytest.raises(DomainError):
        card.modify(
            holder_name="x", exp_month=None, exp_year=None, today=date(2026, 3, 1), now=LATER
        )


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (PaymentMethodKind.ALIPAY, "payment_method_not_chargeable"),
        (PaymentMethodKind.CONVENIENCE_STORE, "payment_method_not_chargeable"),
        (PaymentMethodKind.CARD, None),
    ],
)
def test_manual_only_methods_are_never_charged_by_us(
    kind: PaymentMethodKind, code: str | None
) -> None:
    problem = _method(kind).problem_for_charging(date(2026, 3, 1))  # R-SUB-9
    assert (problem[0] if problem else None) == code


def test_refund_is_spread_over_charges_newest_first_and_never_above_what_is_left() -> None:
    old, new = _charge(), _charge()
    new.created_at = LATER

    shares, unplaced = allocate_refund(15000, [(old, 12900), (new, 5000)])

    assert [(c is new, amount) for c, amount in shares] == [(True, 5000), (False, 10000)]
    assert unplaced == 0
    assert allocate_refund(20000, [(old, 12900)])[1] == 7100


def test_only_an_unsent_charge_can_be_cancelled() -> None:
    charge = _charge()
    charge.start_processing(NOW, LATER)
    assert not charge.cancel(LATER)  # it may have been charged
    assert charge.succeed("ch_1", LATER)
