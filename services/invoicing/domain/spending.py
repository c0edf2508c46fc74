"""Spending summary (R-SUM-4): the last five months and the current one. Each month shows
what was invoiced in it (cancelled invoices and credit left out), split by where that money
stands now: paid (payments made), still due with a failed payment (payment errors), or
still due (payments due). Every amount is counted once, in its invoice's currency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

MONTHS = 6  # the current month and the five before it


@dataclass(frozen=True)
class InvoiceFigures:
    """What the summary needs of one invoice."""

    issue_date: date
    currency: str
    open: bool
    cancelled: bool
    amount_paid: int
    amount_refunded: int
    amount_due: int
    payment_error: bool


@dataclass(frozen=True)
class MonthTotals:
    currency: str
    payments_due: int = 0
    payment_errors: int = 0
    payments_made: int = 0


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    totals: list[MonthTotals]


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """First days of the `count` months ending with today's, oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def summarise(invoices: list[InvoiceFigures], today: date) -> list[Month]:
    starts = month_starts(today)
    keys = [f"{d.year:04d}-{d.month:02d}" for d in starts]
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    currencies: set[str] = set()
    for inv in invoices:
        key = f"{inv.issue_date.year:04d}-{inv.issue_date.month:02d}"
        if inv.cancelled or key not in keys:
            continue
        currencies.add(inv.currency)
        row = sums[(key, inv.currency)]
        row[2] += inv.amount_paid - inv.amount_refunded
        if inv.open:
            row[1 if inv.payment_error else 0] += inv.amount_due
    return [
        Month(
            month=key,
            totals=[MonthTotals(c, *sums.get((key, c), [0, 0, 0])) for c in sorted(currencies)],
        )
        for key in keys
    ]
