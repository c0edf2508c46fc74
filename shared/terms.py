"""Subscription terms and their calendar, shared by every service that prices or dates a term
(subscriptions renew them, quotes quote them): pure functions, no I/O."""

from __future__ import annotations

import calendar
import uuid
from datetime import date

TERM_MONTHS: dict[str, int] = {"monthly": 1, "annual": 12, "three_year": 36}


def add_months(day: date, months: int) -> date:
    """Same day of month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def renewal_id_for(subscription_id: str, period_start: date) -> uuid.UUID:
    """One stable id per subscription and term, whoever asks for that renewal (sweep, cart,
    quote), so that every service recognises the same renewal."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"renewal:{subscription_id}:{period_start.isoformat()}")
