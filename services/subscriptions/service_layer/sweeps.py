"""Periodic sweeps, safe with N replicas (rows locked with SKIP LOCKED). Each returns how many
subscriptions it changed, so that a caller draining full batches stops as soon as a batch
changes less than it selected: the selection and the aggregate share one rule
(domain/rules.py), and even if they disagreed the loop could not spin."""

from __future__ import annotations

import logging

from services.subscriptions.service_layer.commands import (
    ExpireLapsedSubscriptions,
    RequestDueRenewals,
    RequestUnansweredRenewalsAgain,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import Clock, SystemClock

log = logging.getLogger(__name__)
REAL_TIME = SystemClock()  # how long a request went unanswered: infrastructure time


async def request_due_renewals(
    cmd: RequestDueRenewals, uow: SubscriptionsUnitOfWork, real_time: Clock = REAL_TIME
) -> int:
    """Request the renewal of every due auto-renew subscription once (R-SUB-5)."""
    today = uow.clock.today()
    due = await uow.subscriptions.lock_due_for_renewal(today, cmd.batch_size)
    methods = await uow.subscriptions.methods([s.payment_method_id or "" for s in due])
    requested = 0
    for sub in due:
        if sub.is_due_for_auto_renewal(today, methods.get(sub.payment_method_id or "")):
            sub.request_renewal(real_time.now())
            requested += 1
    await uow.commit()
    return requested


async def request_unanswered_renewals_again(
    cmd: RequestUnansweredRenewalsAgain,
    uow: SubscriptionsUnitOfWork,
    real_time: Clock = REAL_TIME,
) -> int:
    """Anti-entropy (issue 16): a renewal requested long ago and still unpaid may have lost a
    message on the way (renewal-requested, invoice-issued, payment-succeeded, invoice-paid).
    The same request (same renewal id) is sent again; invoicing answers a repeated request by
    announcing the invoice again, payments by announcing its succeeded charge again, and each
    receiver dedups what it already did. Waiting is measured on the real clock: moving the dev
    clock a week ahead is not a week of silence from the other services."""
    now, after = real_time.now(), cmd.unanswered_after
    pending = await uow.subscriptions.lock_unanswered_renewals(now, after, cmd.batch_size)
    asked = 0
    for sub in pending:
        if not sub.renewal_unanswered(now, after):
            continue
        log.warning(
            "renewal of %s for %s unanswered since %s: requesting it again",
            sub.id,
            sub.renewal_date,
            sub.renewal_requested_at,
        )
        sub.request_renewal_again(now)
        asked += 1
    await uow.commit()
    return asked


async def expire_lapsed_subscriptions(
    cmd: ExpireLapsedSubscriptions, uow: SubscriptionsUnitOfWork
) -> int:
    """Expire what passed its renewal date unrenewed (R-SUB-13)."""
    today = uow.clock.today()
    candidates = await uow.subscriptions.lock_expirable(today, cmd.grace_days, cmd.batch_size)
    expired = sum(sub.expire_if_past(today, cmd.grace_days) for sub in candidates)
    await uow.commit()
    return expired
