"""The charge processor: many charges at a time, safely with N replicas and crashes anywhere.

A batch goes through three steps:
1. claim: lock up to `limit` due charges in one statement (FOR UPDATE SKIP LOCKED on
   PostgreSQL: replicas claim disjoint batches), mark each `processing` with a lease, or settle
   it without the provider (invoice closed, card expired), and commit, once for the batch;
2. call the provider with each charge's idempotency key, `policy.concurrency` calls at a time,
   outside any transaction; one call's error is that charge's answer only;
3. record every answer in one transaction; should that fail for a reason other than the
   database being away, each answer is recorded on its own, so no answer loses another.
A process killed between 1 and 3 leaves its charges `processing`; they are sent again with the
SAME keys when the process restarts (or when their leases run out, from another replica), and
the provider answers with what it recorded the first time: never a second charge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from services.payments.adapters.provider import PaymentProvider, ProviderResult, ProviderUnavailable
from services.payments.domain.model import (
    PAYMENT_METHOD_MISSING,
    Charge,
    ChargeStatus,
    PaymentMethod,
)
from services.payments.service_layer import announce
from services.payments.service_layer.policy import CLOSED_INVOICE, Policy, fail_charge, once_stored
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.messaging.transient import is_transient
from shared.observability.metrics import charge_settled
from shared.observability.tracing import resumed

log = logging.getLogger(__name__)
X = TypeVar("X")


@dataclass(frozen=True)
class _Send:
    charge_id: str
    invoice_id: str
    idempotency_key: str
    token: str
    amount: int
    currency: str
    traceparent: str | None  # of the event that asked for the charge


@dataclass(frozen=True)
class _Answer:
    send: _Send
    result: ProviderResult | None  # None: no answer
    release: bool = False  # no answer, and any processor may send the same key again at once


async def send_charges(
    uow: PaymentsUnitOfWork,
    provider: PaymentProvider,
    policy: Policy,
    limit: int = 100,
    *,
    reclaim_all_processing: bool = False,
) -> int:
    """Send up to `limit` due charges to the provider; returns how many were settled (fewer
    than `limit`: nothing more is due now, or some got no answer yet).
    `reclaim_all_processing` (at start-up) also takes charges whose lease has not run out:
    the process that held them may be this one, before it was killed."""
    sends, settled = await _claim_batch(uow, policy, limit, reclaim_all_processing)
    if sends:
        answers = await _call_provider(sends, provider, policy.concurrency)
        settled += await _record_answers(answers, uow, policy)
    return settled


# --- 1. claim ------------------------------------------------------------------------------
async def _claim_batch(
    uow: PaymentsUnitOfWork, policy: Policy, limit: int, reclaim_all_processing: bool
) -> tuple[list[_Send], int]:
    """What to send, and how many charges were settled here without the provider."""
    sends: list[_Send] = []
    async with uow:
        batch = await uow.charges.lock_to_send(
            uow.clock.now(), limit, reclaim_all_processing=reclaim_all_processing
        )
        if not batch:
            return [], 0
        methods = await uow.payment_methods.of_ids({c.payment_method_id for c in batch})
        closed = await uow.invoices.closed_of({c.invoice_id for c in batch if c.is_pending})

        async def claim(charge: Charge) -> None:
            method = methods.get(charge.payment_method_id)
            if method is not None and method.csn != charge.csn:
                method = None  # another account's method: as good as missing
            send = await _claim(charge, method, closed.get(charge.invoice_id), uow, policy)
            if send is not None:
                sends.append(send)

        await _commit_in_traces(uow, batch, _trace_of_charge, claim, "payments claim charge")
    return sends, len(batch) - len(sends)


def _trace_of_charge(charge: Charge) -> str | None:
    return charge.traceparent


async def _claim(
    charge: Charge,
    method: PaymentMethod | None,
    closed: str | None,
    uow: PaymentsUnitOfWork,
    policy: Policy,
) -> _Send | None:
    """Mark the charge processing and say what to send; None when it was settled here."""
    uow.correlation_id, uow.causation_id = charge.correlation_id, charge.causation_id
    now = uow.clock.now()
    if charge.is_pending:  # never sent: it may still be stopped
        if closed:
            if charge.is_automatic:
                charge.cancel(now)  # paid otherwise, or cancelled (R-PAY-4)
            else:
                await fail_charge(charge, *CLOSED_INVOICE[closed], uow, policy)
            return None
        problem = (
            method.problem_for_charging(uow.clock.today())
            if method is not None
            else ("payment_method_missing", PAYMENT_METHOD_MISSING)
        )
        if problem is not None:  # e.g. an expired card: the provider is not even asked (R-SUB-5)
            await fail_charge(charge, *problem, uow, policy)
            return None
    charge.start_processing(now, now + policy.lease)
    if method is None:  # cannot happen: methods are only ever soft-deleted, their token stays
        log.error("charge %s: its payment method vanished; cannot reconcile it", charge.id)
        return None
    # Sent before and maybe charged: the very same request again, even if deleted since.
    return _Send(
        charge.id,
        charge.invoice_id,
        charge.idempotency_key,
        method.provider_token,
        charge.amount,
        charge.currency,
        charge.traceparent,
    )


# --- 2. call the provider -------------------------------------------------------------------
async def _call_provider(
    sends: Sequence[_Send], provider: PaymentProvider, concurrency: int
) -> list[_Answer]:
    """Every claimed charge sent once, at most `concurrency` calls in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def call(send: _Send) -> _Answer:
        async with gate:
            # In the trace of the event that asked for the charge (the processor is a job).
            attributes = {
                "billing.charge_id": send.charge_id,
                "billing.invoice_id": send.invoice_id,
            }
            with resumed(send.traceparent, "payments charge", **attributes):
                return await _ask(send, provider)

    calls = [asyncio.ensure_future(call(send)) for send in sends]
    try:
        return list(await asyncio.gather(*calls))
    except BaseException:  # cancelled (shutting down): the leases bring the others back
        for pending in calls:
            pending.cancel()
        raise


async def _ask(send: _Send, provider: PaymentProvider) -> _Answer:
    try:
        result = await provider.charge(
            idempotency_key=send.idempotency_key,
            token=send.token,
            amount=send.amount,
            currency=send.currency,
        )
    except ProviderUnavailable as exc:
        log.warning("provider unavailable for charge %s: %s", send.charge_id, exc)
        return _Answer(send, None, release=True)
    except Exception:  # unknown: it may have been charged; sent again when its lease runs out
        log.exception("charge %s: unexpected error from the provider", send.charge_id)
        return _Answer(send, None)
    return _Answer(send, result)


# --- 3. record ------------------------------------------------------------------------------
async def _record_answers(
    answers: Sequence[_Answer], uow: PaymentsUnitOfWork, policy: Policy
) -> int:
    """All answers in one transaction; one by one when that fails (a database that is away is
    waited for instead, up to the lease). How many charges were settled."""
    answered = [a for a in answers if a.result is not None or a.release]
    if not answered:
        return 0
    try:
        return await once_stored(partial(_record, answered, uow, policy), policy)
    except Exception as exc:
        if len(answered) == 1 or is_transient(exc):
            raise  # left `processing`: sent again with their keys when the leases run out
        log.exception("recording %d answers together failed; one by one now", len(answered))
    settled, first_error = 0, None
    for answer in answered:
        try:
            settled += await once_stored(partial(_record, [answer], uow, policy), policy)
        except Exception as exc:
            log.exception("could not record the answer for charge %s", answer.send.charge_id)
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    return settled


async def _record(answers: Sequence[_Answer], uow: PaymentsUnitOfWork, policy: Policy) -> int:
    settled: list[bool] = []  # whether each charge settled here succeeded
    async with uow:
        locked = await uow.charges.lock_of_invoices({a.send.invoice_id for a in answers})
        by_id = {c.id: c for c in locked}
        of_invoice: dict[str, list[Charge]] = {}
        for charge in locked:
            of_invoice.setdefault(charge.invoice_id, []).append(charge)

        async def apply(answer: _Answer) -> None:
            charge = by_id.get(answer.send.charge_id)
            if charge is not None and await _apply(answer, charge, of_invoice, uow, policy):
                settled.append(answer.result is not None and answer.result.succeeded)

        await _commit_in_traces(uow, answers, _trace_of_answer, apply, "payments record charge")
    for succeeded in settled:
        if succeeded:
            charge_settled("succeeded")  # metrics; failures are counted by fail_charge
    return len(settled)


def _trace_of_answer(answer: _Answer) -> str | None:
    return answer.send.traceparent


async def _apply(
    answer: _Answer,
    charge: Charge,
    of_invoice: dict[str, list[Charge]],
    uow: PaymentsUnitOfWork,
    policy: Policy,
) -> bool:
    """One provider answer on its locked charge; True when it settled the charge."""
    uow.correlation_id, uow.causation_id = charge.correlation_id, charge.causation_id
    now, result = uow.clock.now(), answer.result
    if result is None:
        if answer.release and charge.status == ChargeStatus.PROCESSING:
            charge.release(now)
        return False
    if result.succeeded:
        if not charge.succeed(result.provider_charge_id or "", now):
            return False
        uow.publish(announce.payment_succeeded(charge))
        for other in of_invoice[charge.invoice_id]:
            other.retry_at = None  # paid: no retry left (R-PAY-4)
        return True
    return await fail_charge(
        charge,
        result.failure_code or "payment_failed",
        result.failure_message or "The payment was refused.",
        uow,
        policy,
    )


async def _commit_in_traces(
    uow: PaymentsUnitOfWork,
    items: Sequence[X],
    trace_of: Callable[[X], str | None],
    apply: Callable[[X], Awaitable[None]],
    span: str,
) -> None:
    """Apply each item in the trace of the event that asked for it, then commit. An outbox row
    keeps the trace current when it is written, so each trace's events are written while it is
    current; the commit writes the last trace's (and NOTIFYs the relays when there are any:
    this process's relay is woken by the job after each batch in any case)."""
    groups: dict[str | None, list[X]] = {}
    for item in items:
        groups.setdefault(trace_of(item), []).append(item)
    last = len(groups) - 1
    for n, (traceparent, group) in enumerate(groups.items()):
        with resumed(traceparent, span):
            for item in group:
                await apply(item)
            if n < last:
                await uow.outbox.flush()
            else:
                await uow.commit()
    if not groups:
        await uow.commit()
