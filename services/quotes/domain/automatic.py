"""Automatic renewal quotes (R-QUO-8): which renewals are quoted, grouped how, and for whom.
Pure rules: no database, no broker, no settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from services.quotes.domain.eligibility import GroupKey, RenewalGroup, SubscriptionSnapshot
from services.quotes.domain.model import Quote

MANUAL_RENEWAL_WINDOW_DAYS = 90  # R-SUB-9: manual renewal opens 90 days before the renewal date
RECIPIENT_ROLES = frozenset({"primary_admin", "contract_manager"})


def renews_manually(sub: SubscriptionSnapshot) -> bool:
    """Active, not a trial, and renewed by the customer: auto-renew off, or a manual-only
    payment method (R-SUB-9)."""
    return sub.status == "active" and (not sub.auto_renew or sub.collection == "manual")


def window_opened(sub: SubscriptionSnapshot, today: date, catch_up_days: int) -> bool:
    """The manual renewal window opened today, or within the last `catch_up_days` (a job that
    missed a run still quotes): a window that opened long before is not quoted after the fact,
    and never on or after the renewal date."""
    opens = sub.renewal_date - timedelta(days=MANUAL_RENEWAL_WINDOW_DAYS)
    return opens <= today < min(opens + timedelta(days=catch_up_days), sub.renewal_date)


def group_renewals(subs: list[SubscriptionSnapshot]) -> list[RenewalGroup]:
    """One automatic quote per renewal group: same CSN, currency, purchase method and agent of
    record (R-QUO-5)."""
    groups: dict[GroupKey, RenewalGroup] = {}
    for sub in subs:
        key = GroupKey(sub.csn, sub.currency, sub.purchase_method, sub.partner_csn)
        groups.setdefault(key, RenewalGroup(key)).subscriptions.append(sub)
    return list(groups.values())


def automatic_recipients(contacts: list[dict[str, Any]]) -> list[str]:
    """The account's primary admins and contract managers (R-QUO-8)."""
    found = {
        str(c["email"]).lower(): str(c["email"])
        for c in contacts
        if RECIPIENT_ROLES & set(c.get("roles", []))
    }
    return [found[k] for k in sorted(found)]


def valid_until(group: RenewalGroup) -> date:
    """Valid until the renewal date; for several renewals, the first of them (R-QUO-8)."""
    return min(sub.renewal_date for sub in group.subscriptions)


def renewal_paid_elsewhere(
    advice: Quote, subscription_ids: Iterable[str], renewal_dates: Mapping[str, date]
) -> str | None:
    """The first of `subscription_ids` whose renewal this automatic quote offers was paid
    another way: the subscription's renewal date (`renewal_dates`, its current one) moved past
    the quoted period's start. None when the quote still offers a renewal due (R-QUO-8)."""
    for subscription_id in subscription_ids:
        renewal_date = renewal_dates.get(subscription_id)
        if renewal_date is None:
            continue  # no snapshot of it: nothing known to have been paid
        if any(
            line.subscription_id == subscription_id
            and line.period_start is not None
            and line.period_start < renewal_date
            for line in advice.lines
        ):
            return subscription_id
    return None
