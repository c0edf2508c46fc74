"""Who is told what, when, and in which language (R-NOTE-1..5). Pure rules: no database, no
SMTP, no settings."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# Who can act on each kind of e-mail (docs/roles.md): renew, accept and pay are for admins,
# contract managers and buyers; plain users see no billing data (R-ROLE-1).
ACTING_ROLES = frozenset({"primary_admin", "contract_manager", "buyer"})

# R-NOTE-1: the notice when the manual renewal window opens (90 days before the renewal date,
# R-SUB-9), then reminders 30 and 7 days before it.
RENEWAL_STAGES: tuple[tuple[str, int], ...] = (
    ("window", 90),
    ("reminder_30", 30),
    ("reminder_7", 7),
)
EXPIRY_NOTICE_DAYS = 30  # R-NOTE-4: a payment method expiring within 30 days
FRENCH_COUNTRIES = frozenset({"FR", "MC"})


@dataclass(frozen=True)
class Contact:
    email: str
    name: str
    roles: frozenset[str]


def language_for(chosen: str | None, country: str | None) -> str:
    """The account's language: its own choice, else from its billing country (R-NOTE-5)."""
    if chosen in ("en", "fr"):
        return chosen
    return "fr" if (country or "").upper() in FRENCH_COUNTRIES else "en"


def acting_contacts(contacts: list[Contact]) -> list[Contact]:
    """The people who can act on a renewal, an order or a payment (R-NOTE-1, -3, -4)."""
    return sorted((c for c in contacts if c.roles & ACTING_ROLES), key=lambda c: c.email)


def quote_recipients(recipients: list[str], contacts: list[Contact]) -> list[Contact]:
    """Each recipient of a quote who is a contact of the account; anyone else gets nothing
    from us (R-NOTE-2, R-NOTE-5)."""
    by_email = {c.email.lower(): c for c in contacts}
    found = {r.strip().lower(): by_email.get(r.strip().lower()) for r in recipients}
    return sorted((c for c in found.values() if c is not None), key=lambda c: c.email)


def renews_manually(status: str, auto_renew: bool, collection: str) -> bool:
    """Active, not a trial, and renewed by the customer: auto-renew off or a manual-only
    payment method (R-SUB-9)."""
    return status == "active" and (not auto_renew or collection == "manual")


def renewal_stage_due(renewal_date: date, today: date, catch_up_days: int) -> str | None:
    """The renewal notice stage that falls due today (R-NOTE-1). A stage is due from its day
    for `catch_up_days` (a job that missed a day still tells), never once the next stage or the
    renewal date has come: people are told when it happens, not weeks later."""
    if today >= renewal_date:
        return None
    for position, (stage, days_before) in enumerate(RENEWAL_STAGES):
        start = renewal_date - timedelta(days=days_before)
        end = start + timedelta(days=catch_up_days)
        if position + 1 < len(RENEWAL_STAGES):
            end = min(end, renewal_date - timedelta(days=RENEWAL_STAGES[position + 1][1]))
        if start <= today < end:
            return stage
    return None


def card_expires_on(exp_month: int, exp_year: int) -> date:
    """A card is valid through the last day of its expiry month."""
    return date(exp_year, exp_month, calendar.monthrange(exp_year, exp_month)[1])


def method_expiring(exp_month: int | None, exp_year: int | None, today: date) -> date | None:
    """The expiry date when the method expires within EXPIRY_NOTICE_DAYS (R-NOTE-4)."""
    if not exp_month or not exp_year:
        return None
    expires = card_expires_on(exp_month, exp_year)
    if expires - timedelta(days=EXPIRY_NOTICE_DAYS) <= today <= expires:
        return expires
    return None


def retry_delay(attempt: int, base_seconds: float) -> timedelta:
    """Back-off between SMTP attempts: base, 2 x base, 4 x base..."""
    return timedelta(seconds=base_seconds * 2 ** max(attempt - 1, 0))
