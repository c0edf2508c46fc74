"""What the charge and refund processors share: their settings, recording a provider's answer
once the database takes it, and a failed charge with its retry (R-PAY-4)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from services.payments.domain.model import Charge, idempotency_key_for
from services.payments.domain.retries import DEFAULT_RETRY_DAYS, next_retry_at
from services.payments.service_layer import announce
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.messaging.transient import is_transient
from shared.observability.metrics import charge_settled

log = logging.getLogger(__name__)
T = TypeVar("T")

CLOSED_INVOICE = {
    "paid": ("invoice_already_paid", "This invoice is already paid; nothing was charged."),
    "cancelled": ("invoice_cancelled", "This invoice was cancelled; nothing is owed on it."),
}


@dataclass(frozen=True)
class Policy:
    lease: timedelta = timedelta(seconds=60)
    retry_days: Sequence[float] = DEFAULT_RETRY_DAYS
    concurrency: int = 16  # provider calls in flight at once, per processor


async def once_stored(record: Callable[[], Awaitable[T]], policy: Policy) -> T:
    """The provider answered: record its answer as soon as the database takes it again (a
    restart, a dropped connection), not only when the lease runs out (issue 16). Past the
    lease, the answer is given up: the charge is sent again with its key, and the provider
    answers the same."""
    delay, deadline = 0.2, time.monotonic() + policy.lease.total_seconds()
    while True:
        try:
            return await record()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() >= deadline:
                raise
            log.warning("could not record the provider's answer yet (%r); retrying", exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def fail_charge(
    charge: Charge, code: str, message: str, uow: PaymentsUnitOfWork, policy: Policy
) -> bool:
    """A payment error shown as an alert, with when it is tried again (R-PAY-4)."""
    now = uow.clock.now()
    if not charge.fail(code, message, now):
        return False
    if charge.is_automatic and not await uow.invoices.closed(charge.invoice_id):
        first = await uow.charges.get_by_idempotency_key(idempotency_key_for(charge.invoice_id, 1))
        first_failed_at = first.settled_at if first is not None and first.settled_at else now
        charge.retry_at = next_retry_at(first_failed_at, now, policy.retry_days)
        retry = charge.retry_at
    else:  # a person's payment is not retried; the invoice's own retries go on
        retry = min(
            (c.retry_at for c in await uow.charges.of_invoice(charge.invoice_id) if c.retry_at),
            default=None,
        )
    uow.publish(announce.payment_failed(charge, retry))
    charge_settled("failed", code)
    return True
