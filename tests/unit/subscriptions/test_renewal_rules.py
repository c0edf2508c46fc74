"""Renewal rules of one subscription (R-SUB-5, R-SUB-6, R-SUB-7, R-SUB-9, R-SUB-12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import (
    PaymentMethodKind,
    PurchaseMethod,
    RenewalNotAllowed,
    Status,
    Term,
    next_renewal_date,
)
from services.subscriptions.domain.views import PaymentMethodView
from shared.terms import add_months

REQUESTED_AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def subscription(**overrides: object) -> Subscription:
    values: dict[str, object] = {
        "id": "sub-1",
        "csn": "5100000001",
        "team_id": "team-1",
        "product_code": "CAD",
        "product_name": "CAD Pro",
        "seats": 3,
        "term": Term.ANNUAL,
        "unit_price_amount": 10_000,
        "currency": "EUR",
        "auto_renew": True,
        "start_date": date(2025, 3, 1),
        "renewal_date": date(2026, 3, 1),
        "status": Status.ACTIVE,
        "purchase_method": PurchaseMethod.ONLINE_DIRECT,
        "payment_method_id": "pm-1",
    }
    values.update(overrides)
    return Subscription(**values)  # type: ignore[arg-type]


def card(
    kind: PaymentMethodKind = PaymentMethodKind.CARD, **overrides: object
) -> PaymentMethodView:
    values: dict[str, object] = {
        "id": "pm-1",
        "csn": "5100000001",
        "kind": kind,
        "label": "Visa •••• 4242",
        "recurring": kind.recurring,
        "valid": True,
        "active": True,
        "version_at": "2026-01-01",
    }
    values.update(overrides)
    return PaymentMethodView(**values)  # type: ignore[arg-type]


CARD = card()


def test_due_auto_renew_subscription_with_a_card_is_due_on_its_renewal_date() -> None:
    sub = subscription()
    assert not sub.is_due_for_auto_renewal(date(2026, 2, 28), CARD)
    assert sub.is_due_for_auto_renewal(date(2026, 3, 1), CARD)


def test_subscription_with_auto_renew_off_is_never_renewed_automatically_r_sub_5() -> None:
    assert not subscription(auto_renew=False).is_due_for_auto_renewal(date(2026, 3, 1), CARD)


def test_subscription_without_a_payment_method_is_not_renewed_automatically_r_sub_5() -> None:
    sub = subscription(payment_method_id=None)
    assert not sub.is_due_for_auto_renewal(date(2026, 3, 1), None)
    assert not subscription().is_due_for_auto_renewal(date(2026, 3, 1), card(valid=False))


@pytest.mark.parametrize(
    "kind",
    [
        PaymentMethodKind.BANK_TRANSFER,
        PaymentMethodKind.ALIPAY,
        PaymentMethodKind.CONVENIENCE_STORE,
    ],
)
def test_manual_payment_methods_never_renew_automatically_r_sub_9(kind: PaymentMethodKind) -> None:
    assert not subscription().is_due_for_auto_renewal(date(2026, 3, 1), card(kind))


def test_renewal_already_requested_for_this_term_is_not_requested_again() -> None:
    sub = subscription()
    sub.request_renewal(REQUESTED_AT)
    assert not sub.is_due_for_auto_renewal(date(2026, 3, 5), CARD)


def test_paid_renewal_moves_the_date_one_term_from_the_old_date_r_sub_12() -> None:
    sub = subscription(renewal_date=date(2026, 3, 1))
    request = sub.request_renewal(REQUESTED_AT)
    assert sub.complete_renewal(request.period_start) == date(2027, 3, 1)
    assert sub.renewal_date == date(2027, 3, 1) and sub.renewal_pending_for is None


def test_a_second_payment_for_the_same_term_changes_nothing() -> None:
    sub = subscription()
    request = sub.request_renewal(REQUESTED_AT)
    sub.complete_renewal(request.period_start)
    assert sub.complete_renewal(request.period_start) is None
    assert sub.renewal_date == date(2027, 3, 1)


def test_trial_cannot_be_renewed_r_sub_6() -> None:
    with pytest.raises(RenewalNotAllowed) as err:
        subscription(status=Status.TRIAL).request_renewal(REQUESTED_AT)
    assert err.value.code == "trial_not_renewable"


def test_expired_subscription_cannot_be_renewed_r_sub_7() -> None:
    with pytest.raises(RenewalNotAllowed) as err:
        subscription(status=Status.EXPIRED).request_renewal(REQUESTED_AT)
    assert err.value.code == "subscription_expired"
    assert "buy a new subscription" in err.value.message


def test_payment_error_is_recorded_and_cleared_by_the_renewal() -> None:
    sub = subscription()
    request = sub.request_renewal(REQUESTED_AT)
    assert sub.record_payment_error("card_declined", "inv-1")
    assert sub.payment_error == "card_declined"
    sub.complete_renewal(request.period_start)
    sub.record_paid_invoice("inv-1")
    assert sub.payment_error is None


def test_a_failure_of_an_invoice_already_paid_flags_nothing_r_pay_4() -> None:
    """Payment failures and payments reach subscriptions on separate consumers: the failure of
    a retry may be handled after the payment that settled the invoice."""
    sub = subscription()
    request = sub.request_renewal(REQUESTED_AT)
    sub.complete_renewal(request.period_start)
    sub.record_paid_invoice("inv-1")
    assert not sub.record_payment_error("card_declined", "inv-1")
    assert sub.payment_error is None
    assert sub.record_payment_error("card_declined", "inv-2")  # another invoice: shown
    assert sub.payment_error == "card_declined"


@pytest.mark.parametrize(
    ("start", "term", "expected"),
    [
        (date(2026, 1, 31), Term.MONTHLY, date(2026, 2, 28)),
        (date(2028, 1, 31), Term.MONTHLY, date(2028, 2, 29)),
        (date(2026, 12, 15), Term.MONTHLY, date(2027, 1, 15)),
        (date(2028, 2, 29), Term.ANNUAL, date(2029, 2, 28)),
        (date(2026, 5, 10), Term.THREE_YEAR, date(2029, 5, 10)),
    ],
)
def test_next_renewal_date_adds_one_term_clamped_to_month_end(
    start: date, term: Term, expected: date
) -> None:
    assert next_renewal_date(start, term) == expected
    assert add_months(start, term.months) == expected


# --- reconciliation (issue 16): a renewal request nobody answered is asked again ---------------


def test_a_renewal_unanswered_for_long_enough_is_requested_again_with_the_same_id() -> None:
    sub = subscription()
    first = sub.request_renewal(REQUESTED_AT)
    wait = timedelta(minutes=15)
    assert not sub.renewal_unanswered(REQUESTED_AT + timedelta(minutes=14), wait)
    later = REQUESTED_AT + wait
    assert sub.renewal_unanswered(later, wait)
    again = sub.request_renewal_again(later)
    assert again.renewal_id == first.renewal_id and again.period_start == first.period_start
    assert not sub.renewal_unanswered(later + timedelta(minutes=1), wait)  # not every minute


def test_a_paid_or_expired_renewal_and_a_cart_order_are_never_requested_again() -> None:
    wait, later = timedelta(minutes=15), REQUESTED_AT + timedelta(days=1)
    paid = subscription()
    paid.complete_renewal(paid.request_renewal(REQUESTED_AT).period_start)
    expired = subscription(renewal_date=date(2026, 3, 1))
    expired.request_renewal(REQUESTED_AT)
    expired.expire_if_past(date(2026, 4, 1), grace_days=14)
    ordered = subscription()
    ordered.hold_for_order(ordered.renewal_date)  # a cart's order: its own message, not ours
    assert not any(s.renewal_unanswered(later, wait) for s in (paid, expired, ordered))
