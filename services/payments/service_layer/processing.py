"""Talking to the provider, safely with N replicas and with crashes at any point.

Charges are sent in batches (`charging.send_charges`, re-exported here); each refund goes
through three short transactions:
1. claim: lock it (FOR UPDATE SKIP LOCKED), mark it `processing` with a lease, commit;
2. call the provider with the refund's idempotency key, outside any transaction;
3. record: lock it again and record the outcome with its event, if it is still open.
A process killed between 1 and 3 leaves it `processing`; it is sent again with the SAME key
when the process restarts (or when the lease runs out, from another replica), and the provider
answers with what it recorded the first time: never a second charge or refund.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial

from services.payments.adapters.provider import PaymentProvider, ProviderUnavailable, RefundResult
from services.payments.domain.refunds import RefundStatus
from services.payments.domain.retries import retry_payment_method
from services.payments.service_layer import announce
from services.payments.service_layer.charging import send_charges
from services.payments.service_layer.policy import Policy, once_stored
from services.payments.service_layer.uow import PaymentsUnitOfWork

__all__ = ["Policy", "once_stored", "schedule_due_retries", "send_charges", "send_refunds"]

log = logging.getLogger(__name__)


@dataclass
class _Round:
    tried: set[str] = field(default_factory=set)
    settled: int = 0


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
