"""R-PAY-4: when a failed automatic charge is tried again, and on which method."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.model import Charge
from services.payments.domain.retries import (
    DEFAULT_RETRY_DAYS,
    next_retry_at,
    retry_payment_method,
)

pytestmark = pytest.mark.unit

FAILED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_default_schedule_is_one_three_five_and_seven_days_after_the_first_failure() -> None:
    times = []
    now = FAILED
    while (at := next_retry_at(FAILED, now, DEFAULT_RETRY_DAYS)) is not None:
        times.append(at)
        now = at  # the retry runs, and fails again
    assert [(t - FAILED).days for t in times] == [1, 3, 5, 7]


def test_times_missed_while_nothing_ran_are_skipped() -> None:
    assert next_retry_at(FAILED, FAILED + timedelta(days=4), DEFAULT_RETRY_DAYS) == (
        FAILED + timedelta(days=5)
    )
    assert next_retry_at(FAILED, FAILED + timedelta(days=8), DEFAULT_RETRY_DAYS) is None


@given(
    st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8, unique=True),
    st.lists(st.integers(min_value=0, max_value=24 * 90), max_size=20),
)
def test_never_more_retries_than_scheduled_whenever_they_run(
    days: list[int], late_hours: list[int]
) -> None:
    schedule, now, retries = sorted(days), FAILED, 0
    for late in [*late_hours, *([0] * len(days))]:
        at = next_retry_at(FAILED, now, schedule)
        if at is None:
            break
        assert at > now
        retries += 1
        now = at + timedelta(hours=late)
    assert retries <= len(schedule)


def _charge(subscription_ids: list[str]) -> Charge:
    return Charge.for_invoice(
        csn="5100000001",
        invoice_id="inv-1",
        attempt=1,
        amount=100,
        currency="EUR",
        payment_method_id="pm-declined",
        subscription_ids=subscription_ids,
        now=FAILED,
    )


def test_retry_uses_the_method_the_customer_linked_since() -> None:
    charge = _charge(["sub-1", "sub-2"])
    assert retry_payment_method(charge, {"sub-1": "pm-new", "sub-2": "pm-new"}) == "pm-new"


@pytest.mark.parametrize(
    "linked",
    [{}, {"sub-1": "pm-new", "sub-2": "pm-other"}, {"sub-1": None, "sub-2": None}],
    ids=["unknown", "disagree", "none"],
)
def test_retry_keeps_the_failed_method_unless_all_subscriptions_agree_on_another(
    linked: dict[str, str | None],
) -> None:
    assert retry_payment_method(_charge(["sub-1", "sub-2"]), linked) == "pm-declined"
