"""Rules that select subscriptions, written once (see criteria.py): the aggregate evaluates
them on itself and the sweeps' SQL is compiled from the same definitions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.subscriptions.domain.criteria import (
    Before,
    Criterion,
    Is,
    Not,
    NotAfter,
    OneOf,
    Same,
    all_of,
    any_of,
)
from services.subscriptions.domain.values import RECURRING_KINDS, Status
from shared.errors import DomainError

MANUAL_RENEWAL_WINDOW_DAYS = 90  # R-SUB-9, R-SUB-11
EXPIRING_SOON_DAYS = 60  # dashboard: upcoming expiries (R-SUM-2)
LAST_CHANCE_DAYS = 7  # dashboard: last chance to renew (R-SUM-2)
BULK_LIMIT = 100  # R-SUB-4, R-SUB-11

ACTIVE = Is("status", Status.ACTIVE)

# This term's renewal is ordered and awaiting payment.
RENEWAL_PENDING = Same("renewal_pending_for", "renewal_date")

# A valid recurring method of the same account, linked to the subscription (R-SUB-5, R-SUB-9).
CHARGEABLE_METHOD = all_of(
    Same("method.id", "payment_method_id"),
    Same("method.csn", "csn"),
    Is("method.active", True),
    Is("method.valid", True),
    Is("method.recurring", True),
    OneOf("method.kind", RECURRING_KINDS),
)

# Auto-renew on and a valid recurring payment method (R-SUB-5, R-SUB-9).
RENEWS_AUTOMATICALLY = all_of(Is("auto_renew", True), ACTIVE, CHARGEABLE_METHOD)


def due_for_auto_renewal(today: date) -> Criterion:
    """Renews automatically, its renewal date reached, not yet requested for this term."""
    return all_of(RENEWS_AUTOMATICALLY, NotAfter("renewal_date", today), Not(RENEWAL_PENDING))


def expired_by(today: date, grace_days: int) -> Criterion:
    """Past its renewal date unrenewed, the subscription expires (R-SUB-13). An auto-renew
    subscription, or a renewal awaiting payment (automatic retries, an open renewal invoice),
    gets `grace_days` first: the renewal sweep and payment retries run meanwhile."""
    protected = any_of(RENEWAL_PENDING, all_of(Is("auto_renew", True), ACTIVE))
    return all_of(
        OneOf("status", (Status.ACTIVE, Status.TRIAL)),
        Before("renewal_date", today),
        any_of(Not(protected), Before("renewal_date", today - timedelta(days=grace_days))),
    )


def renewal_unanswered(now: datetime, after: timedelta) -> Criterion:
    """The sweep asked for this term's invoice `after` ago or more and it is still not paid: a
    message on the way may have been lost (issue 16)."""
    return all_of(ACTIVE, RENEWAL_PENDING, NotAfter("renewal_requested_at", now - after))


def manual_renewal_opens_on(renewal_date: date) -> date:
    """Anyone may renew manually in the 90 days before the renewal date (R-SUB-9)."""
    return renewal_date - timedelta(days=MANUAL_RENEWAL_WINDOW_DAYS)


def bulk_selection(ids: list[str]) -> list[str]:
    """Bulk actions take one to 100 distinct subscriptions (R-SUB-4, R-SUB-11)."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise DomainError("no_items", "Choose at least one subscription.", status=422)
    if len(unique) > BULK_LIMIT:
        raise DomainError(
            "too_many_items",
            f"Bulk actions take at most {BULK_LIMIT} subscriptions (you sent {len(unique)});"
            " split the selection (R-SUB-4).",
            status=422,
        )
    return unique
