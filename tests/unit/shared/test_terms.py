"""Term arithmetic shared by subscriptions (seats, R-SEAT-2) and quotes (co-term lines, R-QUO-5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.money import Money
from shared.terms import (
    TERM_MONTHS,
    add_months,
    days_in_term,
    days_left_in_term,
    pro_rata_for_rest_of_term,
    term_end,
    term_start,
)

pytestmark = pytest.mark.unit


def test_a_term_ends_on_the_same_day_of_month_clamped_to_the_months_end() -> None:
    assert term_end(date(2026, 1, 31), "monthly") == date(2026, 2, 28)
    assert term_end(date(2024, 2, 29), "annual") == date(2025, 2, 28)
    assert term_end(date(2026, 3, 15), "three_year") == date(2029, 3, 15)


def test_the_current_term_began_one_term_before_its_renewal_date() -> None:
    assert term_start(date(2026, 3, 31), "monthly") == date(2026, 2, 28)
    assert term_start(date(2027, 1, 1), "annual") == date(2026, 1, 1)


def test_a_term_counts_its_real_calendar_days() -> None:
    assert days_in_term(date(2026, 3, 1), "monthly") == 28  # February 2026
    assert days_in_term(date(2024, 3, 1), "monthly") == 29  # a leap February
    assert days_in_term(date(2027, 1, 1), "annual") == 365
    assert days_in_term(date(2025, 1, 1), "annual") == 366


def test_days_left_never_exceed_the_term_and_run_out_on_the_renewal_date() -> None:
    renewal = date(2027, 1, 1)
    assert days_left_in_term(date(2026, 12, 1), renewal, "annual") == 31
    assert days_left_in_term(date(2025, 6, 1), renewal, "annual") == 365  # before the term
    assert days_left_in_term(renewal, renewal, "annual") == 0
    assert days_left_in_term(renewal + timedelta(days=3), renewal, "annual") == -3


def test_the_rest_of_a_term_costs_its_share_of_the_full_price_rounded_half_up_once() -> None:
    renewal = date(2027, 1, 1)
    # 12,000 * 31 / 365 = 1,019.18 -> 1,019
    assert pro_rata_for_rest_of_term(
        Money(12_000, "EUR"), date(2026, 12, 1), renewal, "annual"
    ) == Money(1_019, "EUR")
    # a whole term left: the full price
    assert pro_rata_for_rest_of_term(
        Money(12_000, "EUR"), date(2026, 1, 1), renewal, "annual"
    ) == Money(12_000, "EUR")
    # 100 * 14 / 28 = 50 exactly, half of February
    assert pro_rata_for_rest_of_term(
        Money(100, "USD"), date(2026, 2, 15), date(2026, 3, 1), "monthly"
    ) == Money(50, "USD")


@given(
    price=st.integers(min_value=0, max_value=10**9),
    term=st.sampled_from(sorted(TERM_MONTHS)),
    renewal=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days_before=st.integers(min_value=0, max_value=1200),
)
def test_pro_rata_is_within_half_a_minor_unit_of_the_exact_share(
    price: int, term: str, renewal: date, days_before: int
) -> None:
    today = renewal - timedelta(days=days_before)
    charged = pro_rata_for_rest_of_term(Money(price, "EUR"), today, renewal, term).amount
    whole = (renewal - add_months(renewal, -TERM_MONTHS[term])).days
    exact = Decimal(price * min(days_before, whole)) / Decimal(whole)
    assert abs(Decimal(charged) - exact) <= Decimal("0.5")
    assert 0 <= charged <= price
