from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.money import CurrencyMismatch, Money


def test_money_refuses_floats_and_unknown_codes() -> None:
    with pytest.raises(TypeError):
        Money(10.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(10, "euro")


def test_money_in_different_currencies_does_not_add() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "USD")


def test_money_prints_with_the_currency_exponent() -> None:
    assert str(Money(123_456, "EUR")) == "1234.56 EUR"
    assert str(Money(1200, "JPY")) == "1200 JPY"


@given(st.integers(0, 10**9), st.integers(0, 400), st.integers(1, 400))
def test_pro_rata_is_exact_integer_arithmetic_rounded_half_up(
    amount: int, num: int, den: int
) -> None:
    share = Money(amount, "EUR").pro_rata(num, den).amount
    exact = Decimal(amount) * num / den
    assert abs(Decimal(share) - exact) <= Decimal("0.5")
