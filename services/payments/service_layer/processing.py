"""Talking to the provider, safely with N replicas and with crashes at any point.

Each charge (and refund) goes through three short transactions:
1. claim: lock it (FOR UPDATE SKIP LOCKED), mark it `processing` with a lease, commit;
2. call the provider with the charge's idempotency key, outside any transaction;
3. record: lock it again and record the outcome with its event, if it is still open.
A process killed between 1 and 3 leaves the charge `processing`; it is sent again with the
SAME key when the process restarts (or when the lease runs out, from another replica), and
the provider answers with what it recorded the first time: never a second charge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TypeVar

from services.payments.adapters.provider import (
    PaymentProvider,
    ProviderResult,
    ProviderUnavailable,
    RefundResult,
)
from services.payments.domain.model import (
    PAYMENT_METHOD_MISSING,
    Charge,
    ChargeStatus,
    idempotency_key_for,
)
from services.payments.domain.refunds import RefundStatus
from services.payments.domain.retries import (
    DEFAULT_RETRY_DAYS,
    next_retry_at,
    retry_payment_method,
)
from services.payments.service_layer import announce
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.messaging.transient import is_transient
from shared.observability.metrics import charge_settled
from shared.observability.tracing import resumed

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


@dataclass(frozen=True)
class _Send:
    charge_id: str
    idempotency_key: str
    token: str
    amount: int
    currency: str


@dataclass
class _Round:
    tried: set[str] = field(default_factory=set)
    settled: int = 0


# --- charges ------------------------------------------------------------------------------
async def send_charges(
    uow: PaymentsUnitOfWork,
    provider: PaymentProvider,
    policy: Policy,
    limit: int = 100,
    *,
    reclaim_all_processing: bool = False,
) -> int:
    """Send due charges to the provider, one at a time; returns how many were settled.
    `reclaim_all_processing` (at start-up) also takes charges whose lease has not run out:
    the process that held them may be this one, before it was killed."""
    rnd = _Round()
    for _ in range(limit):
        with contextlib.ExitStack() as in_trace:
            async with uow:
                charge = await uow.charges.lock_next_to_send(
                    uow.clock.now(), rnd.tried, reclaim_all_processing=reclaim_all_processing
                )
                if charge is None:
                    break
                rnd.tried.add(charge.id)
                # In the trace of the event that asked for the charge: the provider call and
                # payment-succeeded/-failed continue it (the processor is a periodic job).
                in_trace.enter_context(
                    resumed(
                        charge.traceparent,
                        "payments charge",
                        **{"billing.charge_id": charge.id, "billing.invoice_id": charge.invoice_id},
                    )
                )
                send = await _claim(charge, uow, policy)
                await uow.commit()
            if await _send_charge(send, uow, provider, policy):
                rnd.settled += 1
    return rnd.settled


async def _send_charge(
    send: _Send | None, uow: PaymentsUnitOfWork, provider: PaymentProvider, policy: Policy
) -> bool:
    """Steps 2 and 3 for a claimed charge; whether it is settled (None: settled at claim)."""
    if send is None:
        return True
    try:
        result = await provider.charge(
            idempotency_key=send.idempotency_key,
            token=send.token,
            amount=send.amount,
            currency=send.currency,
        )
    except ProviderUnavailable as exc:
        log.warning("provider unavailable for charge %s: %s", send.charge_id, exc)
        await _release_charge(send.charge_id, uow)
        return False
    return await once_stored(partial(_record, send.charge_id, result, uow, policy), policy)


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


async def _claim(charge: Charge, uow: PaymentsUnitOfWork, policy: Policy) -> _Send | None:
    """Mark the charge processing and say what to send; None when it was settled here."""
    uow.correlation_id, uow.causation_id = charge.correlation_id, charge.causation_id
    now = uow.clock.now()
    method = await uow.payment_methods.get(charge.csn, charge.payment_method_id)
    if charge.is_pending:  # never sent: it may still be stopped
        if closed := await uow.invoices.closed(charge.invoice_id):
            if charge.is_automatic:
                charge.cancel(now)  # paid otherwise, or cancelled (R-PAY-4)
            else:
                await _fail(charge, *CLOSED_INVOICE[closed], uow, policy)
            return None
        problem = (
            method.problem_for_charging(uow.clock.today())
            if method is not None
            else ("payment_method_missing", PAYMENT_METHOD_MISSING)
        )
        if problem is not None:  # e.g. an expired card: the provider is not even asked (R-SUB-5)
            await _fail(charge, *problem, uow, policy)
            return None
    charge.start_processing(now, now + policy.lease)
    if method is None:  # cannot happen: methods are only ever soft-deleted, their token stays
        log.error("charge %s: its payment method vanished; cannot reconcile it", charge.id)
        return None
    # Sent before and maybe charged: the very same request again, even if deleted since.
    return _Send(
        charge.id, charge.idempotency_key, method.provider_token, charge.amount, charge.currency
    )


async def _release_charge(charge_id: str, uow: PaymentsUnitOfWork) -> None:
    async with uow:
        charge = await uow.charges.lock(charge_id)
        if charge is not None and charge.status == ChargeStatus.PROCESSING:
            charge.release(uow.clock.now())
            await uow.commit()


async def _record(
    charge_id: str, result: ProviderResult, uow: PaymentsUnitOfWork, policy: Policy
) -> bool:
    async with uow:
        charge = await uow.charges.lock(charge_id)
        if charge is None:
            return False
        uow.correlation_id, uow.causation_id = charge.correlation_id, charge.causation_id
        if result.succeeded:
            acted = charge.succeed(result.provider_charge_id or "", uow.clock.now())
            if acted:
                uow.publish(announce.payment_succeeded(charge))
                for other in await uow.charges.of_invoice(charge.invoice_id, lock=True):
                    other.retry_at = None  # paid: no retry left (R-PAY-4)
        else:
            acted = await _fail(
                charge,
                result.failure_code or "payment_failed",
                result.failure_message or "The payment was refused.",
                uow,
                policy,
            )
        await uow.commit()
        if acted and result.succeeded:
            charge_settled("succeeded")  # metrics; failures are counted by _fail
        return acted


async def _fail(
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


# --- retries (R-PAY-4) ----------------------------------------------------------------------
async def schedule_due_retries(uow: PaymentsUnitOfWork, limit: int = 100) -> int:
    """Turn each due retry into a new charge (attempt n+1, its own idempotency key) on the
    method now linked to the subscription(s), so a customer who fixed it is charged on it."""
    created = 0
    tried: set[str] = set()
    for _ in range(limit):
        async with uow:
            failed = await uow.charges.lock_next_due_retry(uow.clock.now(), tried)
            if failed is None:
                break
            tried.add(failed.id)
            if await uow.invoices.closed(failed.invoice_id):
                failed.retry_at = None
            else:
                views = await uow.subscriptions.of_ids(failed.subscription_ids)
                method_id = retry_payment_method(
                    failed, {v.subscription_id: v.payment_method_id for v in views}
                )
                retry = failed.next_attempt(method_id, uow.clock.now())
                if await uow.charges.get_by_idempotency_key(retry.idempotency_key) is None:
                    uow.charges.add(retry)
                    created += 1
            await uow.commit()
    return created


# --- refunds --------------------------------------------------------------------------------
async def send_refunds(
    uow: PaymentsUnitOfWork,
    provider: PaymentProvider,
    policy: Policy,
    limit: int = 100,
    *,
    reclaim_all_processing: bool = False,
) -> int:
    """Send pending refunds to the provider (same claim / send / record steps as charges)."""
    rnd = _Round()
    for _ in range(limit):
        async with uow:
            refund = await uow.refunds.lock_next_to_send(
                uow.clock.now(), rnd.tried, reclaim_all_processing=reclaim_all_processing
            )
            if refund is None:
                break
            rnd.tried.add(refund.id)
            charge = await uow.charges.lock(refund.charge_id)
            provider_charge_id = charge.provider_charge_id if charge else None
            now = uow.clock.now()
            if not provider_charge_id:
                refund.fail("charge_not_refundable", "No provider charge to refund.", now)
            else:
                refund.start_processing(now, now + policy.lease)
            await uow.commit()
        if not provider_charge_id:
            continue
        try:
            result = await provider.refund(
                idempotency_key=refund.idempotency_key,
                provider_charge_id=provider_charge_id,
                amount=refund.amount,
                currency=refund.currency,
            )
        except ProviderUnavailable as exc:
            log.warning("provider unavailable for refund %s: %s", refund.id, exc)
            async with uow:
                again = await uow.refunds.lock(refund.id)
                if again is not None and again.status == RefundStatus.PROCESSING:
                    again.release(uow.clock.now())
                    await uow.commit()
            continue
        await once_stored(partial(_record_refund, refund.id, result, uow), policy)
        rnd.settled += 1
    return rnd.settled


async def _record_refund(refund_id: str, result: RefundResult, uow: PaymentsUnitOfWork) -> None:
    async with uow:
        refund = await uow.refunds.lock(refund_id)
        if refund is None:
            return
        uow.correlation_id, uow.causation_id = refund.correlation_id, refund.causation_id
        now = uow.clock.now()
        if result.succeeded:
            if refund.succeed(result.provider_refund_id or "", now):
                uow.publish(announce.payment_refunded(refund))
        elif refund.fail(
            result.failure_code or "refund_failed",
            result.failure_message or "The provider refused the refund.",
            now,
        ):
            log.warning("refund %s refused by the provider: %s", refund.id, refund.failure_code)
        await uow.commit()
