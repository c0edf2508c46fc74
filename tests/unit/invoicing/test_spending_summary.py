"""Spending summary (R-SUM-4): six months, oldest first, each invoice's money counted once."""

from __future__ import annotations

from datetime import date

from services.invoicing.domain.spending import InvoiceFigures, month_starts, summarise


def figures(day: date, **kw: object) -> InvoiceFigures:
    base: dict[str, object] = {
        "issue_date": day,
        "currency": "EUR",
        "open": True,
        "cancelled": False,
        "amount_paid": 0,
        "amount_refunded": 0,
        "amount_due": 0,
        "payment_error": False,
    }
    return InvoiceFigures(**{**base, **kw})  # type: ignore[arg-type]


def test_the_window_is_the_current_month_and_the_five_before_across_a_new_year_r_sum_4() -> None:
    assert month_starts(date(2026, 2, 17)) == [
        date(2025, 9, 1),
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_each_month_splits_into_due_errors_and_made_per_currency_r_sum_4() -> None:
    today = date(2026, 3, 20)
    months = summarise(
        [
            figures(date(2026, 3, 2), open=False, amount_paid=11_900),
            figures(date(2026, 3, 3), amount_paid=1_000, amount_due=2_000),
            figures(date(2026, 3, 4), amount_due=5_000, payment_error=True),
            figures(date(2026, 1, 9), open=False, amount_paid=7_000, amount_refunded=2_000),
            figures(date(2026, 1, 9), cancelled=True, open=False, amount_due=0),
            figures(date(2026, 2, 1), currency="USD", amount_due=300),
            figures(date(2025, 9, 30), open=False, amount_paid=99),  # before the window
        ],
        today,
    )
    assert [m.month for m in months] == [
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    by_month = {m.month: {t.currency: t for t in m.totals} for m in months}
    march = by_month["2026-03"]["EUR"]
    assert (march.payments_made, march.payments_due, march.payment_errors) == (12_900, 2_000, 5_000)
    assert by_month["2026-01"]["EUR"].payments_made == 5_000
    assert by_month["2026-02"]["USD"].payments_due == 300
    assert by_month["2025-10"]["EUR"].payments_made == 0  # every currency, every month


def test_no_invoices_means_six_empty_months_r_sum_4() -> None:
    months = summarise([], date(2026, 3, 1))
    assert len(months) == 6 and all(m.totals == [] for m in months)
