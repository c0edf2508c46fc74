"""Upcoming payments (R-PAY-2) and the chart by status (R-PAY-3): pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.payments.domain.model import Charge
from services.payments.domain.upcoming import (
    InvoiceView,
    Schedule,
    SubscriptionView,
    UpcomingKind,
    UpcomingStatus,
    chart,
    renewal_key,
    upcoming_payments,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


def sub(sub_id: str, in_days: int, **kw: Any) -> SubscriptionView:
    fields: dict[str, Any] = dict(
        subscription_id=sub_id,
        csn="5100000001",
        product_name="CAD Pro",
        status="active",
        auto_renew=True,
        collection="automatic",
        renewal_date=TODAY + timedelta(days=in_days),
        renewal_amount=10_000,
        currency="EUR",
        payment_method_id="pm-visa",
        payment_error=None,
        as_of=NOW,
    )
    return SubscriptionView(**(fields | kw))


def inv(invoice_id: str, due_in: int, **kw: Any) -> InvoiceView:
    fields: dict[str, Any] = dict(
        invoice_id=invoice_id,
        csn="5100000001",
        invoice_number=f"INV-{invoice_id}",
        currency="EUR",
        total=11_900,
        amount_due=11_900,
        due_date=TODAY + timedelta(days=due_in),
        collection="manual",
        status="open",
    )
    return InvoiceView(**(fields | kw))


def failed_charge(invoice_id: str, retry_in: int | None) -> Charge:
    charge = Charge.for_invoice(
        csn="5100000001",
        invoice_id=invoice_id,
        attempt=1,
        amount=11_900,
        currency="EUR",
        payment_method_id="pm-declined",
        subscription_ids=["sub-x"],
        now=NOW,
    )
    charge.fail("card_declined", "Your card was declined.", NOW)
    charge.retry_at = NOW + timedelta(days=retry_in) if retry_in is not None else None
    return charge


def upcoming(days: int = 30, **kw: Any) -> list[Any]:
    args: dict[str, Any] = dict(subscriptions=[], open_invoices=[], charges=[])
    return upcoming_payments(**(args | kw), today=TODAY, days=days)


def test_auto_renewal_within_the_window_is_scheduled_and_priced_before_tax() -> None:
    [item] = upcoming(subscriptions=[sub("sub-1", 12)])
    assert (item.schedule, item.kind, item.status) == (
        Schedule.SCHEDULED,
        UpcomingKind.RENEWAL,
        UpcomingStatus.AUTO_RENEW,
    )
    assert (item.date, item.amount, item.tax_included) == (
        TODAY + timedelta(days=12),
        10_000,
        False,
    )


@pytest.mark.parametrize(
    "kw", [{"auto_renew": False}, {"collection": "manual"}], ids=["auto-renew-off", "konbini"]
)
def test_renewal_the_customer_must_pay_is_unscheduled_and_manual(kw: dict[str, Any]) -> None:
    [item] = upcoming(subscriptions=[sub("sub-1", 12, **kw)])  # R-SUB-9
    assert (item.schedule, item.status) == (Schedule.UNSCHEDULED, UpcomingStatus.MANUAL)


def test_the_window_is_30_or_90_days_and_skips_inactive_subscriptions() -> None:
    subs = [
        sub("sub-soon", 30),
        sub("sub-later", 45),
        sub("sub-past", -1),
        sub("sub-trial", 5, status="trial"),
        sub("sub-expired", 5, status="expired"),
    ]
    assert [i.subscription_ids for i in upcoming(subscriptions=subs)] == [("sub-soon",)]
    assert [i.subscription_ids for i in upcoming(90, subscriptions=subs)] == [
        ("sub-soon",),
        ("sub-later",),
    ]


def test_pending_retry_is_a_scheduled_payment_error_and_its_invoice_is_not_listed_twice() -> None:
    items = upcoming(
        open_invoices=[inv("inv-1", 0, collection="automatic")],
        charges=[failed_charge("inv-1", retry_in=1)],
    )
    [item] = items
    assert (item.kind, item.status, item.schedule) == (
        UpcomingKind.RETRY,
        UpcomingStatus.PAYMENT_ERROR,
        Schedule.SCHEDULED,
    )
    assert item.date == TODAY + timedelta(days=1) and item.tax_included


def test_invoice_whose_retries_ran_out_is_an_unscheduled_payment_error() -> None:
    [item] = upcoming(
        open_invoices=[inv("inv-1", -3, collection="automatic")],
        charges=[failed_charge("inv-1", retry_in=None)],
    )
    assert (item.kind, item.status, item.schedule) == (
        UpcomingKind.INVOICE,
        UpcomingStatus.PAYMENT_ERROR,
        Schedule.UNSCHEDULED,
    )


def test_open_invoice_on_terms_is_unscheduled_and_manual_even_when_overdue() -> None:
    items = upcoming(
        open_invoices=[inv("inv-1", -5), inv("inv-2", 40), inv("inv-3", 10, status="paid")]
    )
    assert [(i.invoice_id, i.status) for i in items] == [("inv-1", UpcomingStatus.MANUAL)]


def test_renewal_already_invoiced_is_listed_once_as_its_invoice() -> None:
    renewal = sub("sub-1", 20, auto_renew=False)
    invoice = inv("inv-1", 20, renewal_keys=[renewal_key("sub-1", renewal.renewal_date)])
    items = upcoming(subscriptions=[renewal], open_invoices=[invoice])
    assert [i.kind for i in items] == [UpcomingKind.INVOICE]


def test_invoice_being_charged_right_now_is_not_listed() -> None:
    charging = Charge.for_invoice(
        csn="5100000001",
        invoice_id="inv-1",
        attempt=1,
        amount=1,
        currency="EUR",
        payment_method_id="pm",
        subscription_ids=[],
        now=NOW,
    )
    assert upcoming(open_invoices=[inv("inv-1", 0)], charges=[charging]) == []


def test_chart_stacks_amounts_by_status_per_week_and_per_currency() -> None:
    items = upcoming(
        subscriptions=[
            sub("a", 1),
            sub("b", 8, auto_renew=False),
            sub("c", 8, renewal_amount=500),
            sub("d", 29, currency="USD", renewal_amount=700),
        ],
        open_invoices=[inv("inv-1", -2)],
    )

    eur, usd = chart(items, today=TODAY, days=30, bucket="week")

    assert [(b.start, b.end) for b in eur.bars][-1] == (
        TODAY + timedelta(28),
        TODAY + timedelta(30),
    )
    assert len(eur.bars) == 5
    assert eur.bars[0].amounts == {
        UpcomingStatus.AUTO_RENEW: 10_000,
        UpcomingStatus.MANUAL: 11_900,  # overdue: in the first bar
        UpcomingStatus.PAYMENT_ERROR: 0,
    }
    assert eur.bars[1].amounts[UpcomingStatus.MANUAL] == 10_000
    assert eur.bars[1].amounts[UpcomingStatus.AUTO_RENEW] == 500
    assert eur.totals == {
        UpcomingStatus.AUTO_RENEW: 10_500,
        UpcomingStatus.MANUAL: 21_900,
        UpcomingStatus.PAYMENT_ERROR: 0,
    }
    assert eur.counts[UpcomingStatus.MANUAL] == 2
    assert (usd.currency, usd.bars[4].amounts[UpcomingStatus.AUTO_RENEW]) == ("USD", 700)


def test_chart_per_day_has_one_bar_per_day_and_totals_equal_the_list() -> None:
    items = upcoming(subscriptions=[sub(f"s{n}", n) for n in range(0, 31, 3)])
    [eur] = chart(items, today=TODAY, days=30, bucket="day")
    assert len(eur.bars) == 31
    assert sum(sum(b.amounts.values()) for b in eur.bars) == sum(i.amount for i in items)
