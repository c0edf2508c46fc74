"""When a failed automatic charge is tried again (R-PAY-4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from services.payments.domain.model import Charge

DEFAULT_RETRY_DAYS = (1, 3, 5, 7)


def next_retry_at(
    first_failed_at: datetime, now: datetime, retry_days: Sequence[float]
) -> datetime | None:
    """The next retry: the first scheduled time (days after the first failure) still ahead of
    `now`; None after the last one. Times already passed (e.g. while the service was down) are
    skipped, not caught up in a burst, so there are never more retries than scheduled."""
    ahead = [
        first_failed_at + timedelta(days=d)
        for d in retry_days
        if first_failed_at + timedelta(days=d) > now
    ]
    return min(ahead, default=None)


def retry_payment_method(charge: Charge, linked: Mapping[str, str | None]) -> str:
    """The method a retry is charged on: the one now linked to the charge's subscription(s) when
    they all agree (the customer fixed the payment error by linking another method), else the
    method that failed."""
    methods = {linked.get(s) for s in charge.subscription_ids}
    if len(methods) == 1 and (only := methods.pop()) is not None:
        return only
    return charge.payment_method_id
