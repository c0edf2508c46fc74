"""Auto-renew, term change, seats, manual renewal window and expiry rules of one subscription
(R-SUB-4..13, R-SEAT-1..3), as pure domain rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.subscriptions.domain.cart import build_cart
from services.subscriptions.domain.values import (
    BoughtTerm,
    PaymentMethodKind,
    PurchaseMethod,
    Status,
    Term,
    prorated_seat_charge,
)
from shared.errors import DomainError
from shared.money import Money
from shared.terms import pro_rata_for_rest_of_term
from tests.unit.subscriptions.test_renewal_rules import CARD, card, subscription

TODAY = date(2026, 1, 15)

REQUESTED_AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def refusal(fn: object, *args: object) -> str:
    with pytest.raises(DomainError) as err:
        fn(*args)  # type: ignore[operator]
    return err.value.code


def test_auto_renew_on_needs_a_recurring_valid_method_r_sub_5_r_sub_9() -> None:
    sub = subscription(auto_renew=False)
    assert refusal(sub.set_auto_renew, True, None) == "payment_method_required"
    assert (
        refusal(sub.set_auto_renew, True, card(PaymentMethodKind.ALIPAY)) == "manual_renewal_method"
    )
    assert refusal(sub.set_auto_renew, True, card(valid=False)) == "payment_method_invalid"
    assert sub.set_auto_renew(True, CARD) and sub.auto_renew
    assert sub.set_auto_renew(False, None) and not sub.auto_renew  # off never needs a method


def test_trial_and_expired_cannot_turn_auto_renew_on_r_sub_6_r_sub_7() -> None:
    assert (
        refusal(subscription(status=Status.TRIAL, auto_renew=False).set_auto_renew, True, CARD)
        == "trial_not_renewable"
    )
    assert (
        refusal(subscription(status=Status.EXPIRED, auto_renew=False).set_auto_renew, True, CARD)
        == "subscription_expired"
    )


def test_term_change_applies_at_renewal_with_the_new_price_r_sub_8() -> None:
    sub = subscription(term=Term.MONTHLY, renewal_date=date(2026, 3, 1), unit_price_amount=1_000)
    sub.change_term(Term.ANNUAL, Money(9_000, "EUR"))
    assert sub.term == Term.MONTHLY  # nothing changes before the renewal
    renewal = sub.request_renewal(REQUESTED_AT)
    assert (renewal.term, renewal.unit_price.amount, renewal.period_end) == (
        Term.ANNUAL,
        9_000,
        date(2027, 3, 1),
    )
    sub.complete_renewal(renewal.period_start)
    assert (sub.term, sub.unit_price_amount, sub.renewal_date, sub.next_term) == (
        Term.ANNUAL,
        9_000,
        date(2027, 3, 1),
        None,
    )


def test_a_paid_quote_renews_with_the_seats_term_and_price_it_sold_r_quo_2() -> None:
    sub = subscription(seats=6, term=Term.ANNUAL, unit_price_amount=10_000)
    sub.change_seats(4, date(2026, 1, 10))  # a reduction was pending: the quote replaces it
    assert sub.pending_seats == 4
    held = sub.hold_for_order(sub.renewal_date, BoughtTerm(5, Term.THREE_YEAR, 27_000))
    assert held and (sub.seats, sub.term) == (6, Term.ANNUAL)  # nothing changes before payment
    assert (sub.seats_at_renewal, sub.term_at_renewal, sub.unit_price_at_renewal.amount) == (
        5,
        Term.THREE_YEAR,
        27_000,
    )
    assert sub.complete_renewal(date(2026, 3, 1)) == date(2029, 3, 1)
    assert (sub.seats, sub.term, sub.unit_price_amount, sub.pending_seats, sub.next_term) == (
        5,
        Term.THREE_YEAR,
        27_000,
        None,
        None,
    )


def test_a_quote_that_keeps_seats_and_term_leaves_nothing_pending_r_quo_2() -> None:
    sub = subscription(seats=6, term=Term.ANNUAL, unit_price_amount=10_000)
    sub.hold_for_order(sub.renewal_date, BoughtTerm(6, Term.ANNUAL, 10_000))
    assert (sub.pending_seats, sub.next_term, sub.next_unit_price_amount) == (None, None, None)
    assert sub.renewal_pending


def test_the_paid_invoice_line_decides_the_next_term_r_quo_2_r_sub_12() -> None:
    """Whatever was pending (or never heard of, if quote-accepted is late), the renewal applies
    the seats, term and price the paid line bought."""
    sub = subscription(seats=6, term=Term.ANNUAL, unit_price_amount=10_000)
    sub.change_seats(4, date(2026, 1, 10))
    paid = BoughtTerm.of_period(date(2026, 3, 1), date(2029, 3, 1), 5, 27_000)
    assert paid == BoughtTerm(5, Term.THREE_YEAR, 27_000)
    assert sub.complete_renewal(date(2026, 3, 1), paid) == date(2029, 3, 1)
    assert (sub.seats, sub.term, sub.unit_price_amount, sub.pending_seats) == (
        5,
        Term.THREE_YEAR,
        27_000,
        None,
    )


@pytest.mark.parametrize(
    ("end", "seats", "price"),
    [(None, 5, 100), (date(2027, 3, 1), None, 100), (date(2027, 3, 2), 5, 100)],
)
def test_a_line_that_does_not_say_its_term_changes_nothing_but_the_date_r_sub_12(
    end: date | None, seats: int | None, price: int
) -> None:
    assert BoughtTerm.of_period(date(2026, 3, 1), end, seats, price) is None
    sub = subscription(seats=6, term=Term.ANNUAL, unit_price_amount=10_000)
    assert sub.complete_renewal(date(2026, 3, 1), None) == date(2027, 3, 1)
    assert (sub.seats, sub.term, sub.unit_price_amount) == (6, Term.ANNUAL, 10_000)


def test_term_not_sold_in_the_region_is_refused_r_sub_8() -> None:
    assert refusal(subscription().change_term, Term.THREE_YEAR, None) == "term_not_available"


def test_seats_only_for_auto_renew_online_direct_r_seat_1() -> None:
    assert (
        refusal(subscription(auto_renew=False).change_seats, 5, TODAY) == "seats_require_auto_renew"
    )
    assert (
        refusal(subscription(purchase_method=PurchaseMethod.PARTNER).change_seats, 5, TODAY)
        == "seats_not_online_direct"
    )


def test_adding_seats_charges_pro_rata_for_the_rest_of_the_term_r_seat_2() -> None:
    # annual term 2026-03-01 .. 2027-03-01 (365 days); on 2026-09-01, 181 days are left
    sub = subscription(seats=3, renewal_date=date(2027, 3, 1), unit_price_amount=36_500)
    change = sub.change_seats(5, date(2026, 9, 1))
    assert change.change == "added" and sub.seats == 5
    assert change.prorated == Money(2 * 36_500 * 181 // 365, "EUR")  # 36,200: exact here
    assert (change.period_start, change.period_end) == (date(2026, 9, 1), date(2027, 3, 1))


def test_reducing_seats_takes_effect_at_renewal_r_seat_3() -> None:
    sub = subscription(seats=5, renewal_date=date(2026, 3, 1))
    change = sub.change_seats(2, TODAY)
    assert (change.change, change.effective_on, sub.seats, sub.seats_at_renewal) == (
        "reduced",
        date(2026, 3, 1),
        5,
        2,
    )
    renewal = sub.request_renewal(REQUESTED_AT)
    assert renewal.seats == 2 and renewal.amount == Money(20_000, "EUR")
    sub.complete_renewal(renewal.period_start)
    assert sub.seats == 2 and sub.pending_seats is None


@given(
    price=st.integers(min_value=0, max_value=10_000_000),
    added=st.integers(min_value=1, max_value=500),
    days_before=st.integers(min_value=1, max_value=365),
)
def test_pro_rata_is_within_half_a_minor_unit_of_the_exact_value_r_seat_2(
    price: int, added: int, days_before: int
) -> None:
    renewal = date(2027, 3, 1)
    today = date.fromordinal(renewal.toordinal() - days_before)
    charged = prorated_seat_charge(Money(price, "EUR"), added, today, renewal, Term.ANNUAL).amount
    exact = Decimal(price * added * days_before) / Decimal(365)
    assert abs(Decimal(charged) - exact) <= Decimal("0.5")
    assert 0 <= charged <= price * added


def test_added_seats_are_rounded_once_on_the_total_not_per_seat_r_seat_2() -> None:
    # One day of February left (28 days): one seat at 10 costs 10/28 = 0.36 -> 0, so rounding
    # per seat would charge 3 x 0 = 0; the total 30/28 = 1.07 rounds to 1.
    charged = prorated_seat_charge(
        Money(10, "EUR"), 3, date(2026, 2, 28), date(2026, 3, 1), Term.MONTHLY
    )
    assert charged == Money(1, "EUR")
    # Exactly half a minor unit rounds up: 7 * 14 / 28 = 3.5 -> 4.
    half = prorated_seat_charge(
        Money(7, "EUR"), 1, date(2026, 2, 15), date(2026, 3, 1), Term.MONTHLY
    )
    assert half == Money(4, "EUR")


@given(
    price=st.integers(min_value=0, max_value=1_000_000),
    added=st.integers(min_value=1, max_value=50),
    term=st.sampled_from(list(Term)),
    days_before=st.integers(min_value=-5, max_value=1200),
)
def test_seat_pro_rating_is_the_shared_rest_of_term_price_of_all_added_seats_r_seat_2(
    price: int, added: int, term: Term, days_before: int
) -> None:
    renewal = date(2027, 3, 31)
    today = date.fromordinal(renewal.toordinal() - days_before)
    ours = prorated_seat_charge(Money(price, "EUR"), added, today, renewal, term)
    shared = pro_rata_for_rest_of_term(Money(price * added, "EUR"), today, renewal, term.value)
    assert ours == shared


def test_manual_renewal_opens_90_days_before_the_renewal_date_r_sub_9() -> None:
    sub = subscription(renewal_date=date(2026, 6, 1))
    assert (
        refusal(sub.check_manual_renewal, date(2026, 3, 2)) == "outside_renewal_window"
    )  # 91 days
    sub.check_manual_renewal(date(2026, 3, 3))  # 90 days: open


def test_cart_refuses_mixed_groups_and_101_items_r_sub_11() -> None:
    eur = subscription(id="a", renewal_date=date(2026, 2, 1))
    usd = subscription(id="b", renewal_date=date(2026, 2, 1), currency="USD")
    now = datetime(2026, 1, 15)
    assert (
        refusal(build_cart, "c", [eur, usd], TODAY, now, "x", Decimal(0), "")
        == "mixed_renewal_groups"
    )
    many = [subscription(id=str(n), renewal_date=date(2026, 2, 1)) for n in range(101)]
    assert refusal(build_cart, "c", many, TODAY, now, "x", Decimal(0), "") == "too_many_items"


def test_cart_shows_tax_per_line_and_total_r_sub_10() -> None:
    subs = [
        subscription(id=str(n), seats=1, unit_price_amount=333, renewal_date=date(2026, 2, 1))
        for n in range(3)
    ]
    cart = build_cart("c", subs, TODAY, datetime(2026, 1, 15), "x", Decimal("0.19"), "VAT")
    assert [line["tax"] for line in cart.lines] == [63, 63, 63]  # 63.27 half up, per line
    assert (cart.subtotal_amount, cart.tax_amount, cart.total_amount) == (999, 189, 1188)


def test_unrenewed_subscription_expires_after_its_date_and_pending_one_gets_grace_r_sub_13() -> (
    None
):
    lapsed = subscription(auto_renew=False, renewal_date=date(2026, 1, 10))
    assert not lapsed.expire_if_past(date(2026, 1, 10), 14)  # still its last day
    assert lapsed.expire_if_past(date(2026, 1, 11), 14) and lapsed.status == Status.EXPIRED
    pending = subscription(renewal_date=date(2026, 1, 10))
    pending.request_renewal(REQUESTED_AT)
    assert not pending.expire_if_past(date(2026, 1, 24), 14)
    assert pending.expire_if_past(date(2026, 1, 25), 14)


def test_auto_renew_subscription_is_not_expired_before_its_grace_period_r_sub_13() -> None:
    sub = subscription(renewal_date=date(2026, 1, 10))  # the renewal sweep has not run yet
    assert not sub.expire_if_past(date(2026, 1, 20), 14)
    assert sub.expire_if_past(date(2026, 1, 25), 14)
