"""Recognising card data so that it is refused and never stored or logged (R-PAY-1)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.card_data import (
    card_numbers_in,
    carries_card_data,
    luhn_valid,
    security_codes_in,
)

pytestmark = pytest.mark.unit

TEST_PANS = ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"]


def with_check_digit(body: str) -> str:
    """The one digit that makes `body` Luhn-valid."""
    return body + next(str(d) for d in range(10) if luhn_valid(body + str(d)))


@pytest.mark.parametrize("pan", TEST_PANS)
def test_test_card_numbers_pass_the_luhn_check(pan: str) -> None:
    assert luhn_valid(pan)
    assert not luhn_valid(pan[:-1] + str((int(pan[-1]) + 1) % 10))


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424242",
        "card 4242 4242 4242 4242 exp",
        "4242-4242-4242-4242",
        "amex 3782 822463 10005",
        '{"holder_name": "4111111111111111"}',
        "log line ...;5555555555554444;...",
    ],
)
def test_card_numbers_are_found_plain_or_grouped(text: str) -> None:
    assert card_numbers_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424241",  # fails the check digit
        "ch-4242424242424242ab",  # glued to an id: not a card number
        "evt 550e8400-e29b-41d4-a716-446655440000",
        "2026-03-01T09:00:00+00:00 amount 2249100 csn 5100000001",
        "424242424242",  # 12 digits
        "42424242424242424242",  # 20 digits
    ],
)
def test_ids_amounts_dates_and_other_numbers_are_not_card_numbers(text: str) -> None:
    assert card_numbers_in(text) == []


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_any_luhn_valid_run_of_13_to_19_digits_is_found(body: str) -> None:
    pan = with_check_digit(body)
    assert card_numbers_in(f"x {pan} y") == [pan]


@pytest.mark.parametrize(
    "body",
    [
        {"cvc": "123"},
        {"card": {"CVV2": "1234"}},
        {"security_code": 999},
        {"card_number": "nope"},
        {"items": [{"number": "x"}]},
    ],
)
def test_a_field_for_a_card_number_or_security_code_is_card_data_whatever_its_value(
    body: dict[str, object],
) -> None:
    assert carries_card_data(json.dumps(body))


def test_security_code_written_next_to_its_name_is_found_in_text() -> None:
    assert security_codes_in("customer said cvc: 123 on the phone") == ["cvc"]
    assert security_codes_in("cvcontrol 12345 and cvc 12345") == []


def test_an_ordinary_request_for_a_method_carries_no_card_data() -> None:
    body = {"kind": "card", "provider_token": "tok_visa", "holder_name": "Acme Robotics GmbH"}
    assert not carries_card_data(json.dumps(body))
    assert not carries_card_data("")
    assert not carries_card_data("not json at all")
