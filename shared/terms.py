"""Subscription terms and their calendar, shared by every service that prices or dates a term
(subscriptions renew them, quotes quote them): pure functions, no I/O."""

from __future__ import annotations

import calendar
import uuid
from datetime import date

from shared.money import Money

TERM_MONTHS: dict[str, int] = {"monthly": 1, "annual": 12, "three_year": 36}


def add_months(day: date, months: int) -> date:
    """Same day of month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, term: str) -> date:
    """The day a term that starts on `start` ends (and the next one starts)."""
    return add_months(start, TERM_MONTHS[term])


def term_start(renewal_date: date, term: str) -> date:
    """The day the current term began: one term before its renewal date."""
    return add_months(renewal_date, -TERM_MONTHS[term])


def days_in_term(renewal_date: date, term: str) -> int:
    """The real calendar days of the term that ends on `renewal_date` (a February counts 28)."""
    return (renewal_date - term_start(renewal_date, term)).days


def days_left_in_term(today: date, renewal_date: date, term: str) -> int:
    """Days from `today` to the renewal date, at most the whole term (zero or less once the
    renewal date has come)."""
    return min((renewal_date - today).days, days_in_term(renewal_date, term))


def pro_rata_for_rest_of_term(
    full_term_price: Money, today: date, renewal_date: date, term: str
) -> Money:
    """What the days left of the current term cost (R-SEAT-2; co-term quote lines, R-QUO-5):
    exactly full_term_price * days_left / days_in_term, rounded half up to the minor unit once,
    on the total."""
    return full_term_price.pro_rata(
        days_left_in_term(today, renewal_date, term), days_in_term(renewal_date, term)
    )


def renewal_id_for(subscription_id: str, period_start: date) -> uuid.UUID:
    """One stable id per subscription and term, whoever asks for that renewal (sweep, cart,
    quote), so that every service recognises the same renewal."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"renewal:{subscription_id}:{period_start.isoformat()}")
