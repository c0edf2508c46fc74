"""Use cases of the payments service: each takes (command or event, unit of work)."""

from __future__ import annotations

import logging

from services.payments.adapters.provider import PaymentProvider, ProviderUnavailable
from services.payments.domain.model import Charge, idempotency_key_for
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.events import Envelope, InvoiceIssued, PaymentFailed, PaymentSucceeded

log = logging.getLogger(__name__)

FIRST_ATTEMPT = 1
MESSAGES = {
    "payment_method_missing": "The saved payment method no longer exists; choose another one.",
    "expired_card": "Your card has expired; update it or choose another payment method.",
}


def _payment_failed(charge: Charge) -> PaymentFailed:
    return PaymentFailed(
        charge_id=charge.id,
        invoice_id=charge.invoice_id,
        csn=charge.csn,
        amount=charge.amount,
        currency=charge.currency,
        payment_method_id=charge.payment_method_id,
        reason=charge.failure_code or "payment_failed",
        message=charge.failure_message or "The payment failed.",
        attempt=charge.attempt,
        subscription_ids=charge.subscription_ids,
    )


def _payment_succeeded(charge: Charge) -> PaymentSucceeded:
    return PaymentSucceeded(
        charge_id=charge.id,
        invoice_id=charge.invoice_id,
        csn=charge.csn,
        amount=charge.amount,
        currency=charge.currency,
        payment_method_id=charge.payment_method_id,
        provider_charge_id=charge.provider_charge_id or "",
        attempt=charge.attempt,
        subscription_ids=charge.subscription_ids,
    )


def _fail(charge: Charge, code: str, message: str, uow: PaymentsUnitOfWork) -> None:
    """A payment error, shown to the customer as an alert (R-PAY-4)."""
    if charge.fail(code, message, uow.clock.now()):
        uow.publish(_payment_failed(charge))


async def on_invoice_issued(
    event: InvoiceIssued, envelope: Envelope, uow: PaymentsUnitOfWork
) -> None:
    """An automatic-collection invoice was issued: record a pending charge on its saved method.

    The provider is not called here: no PSP I/O inside the consumer's transaction.
    """
    if event.collection != "automatic" or event.payment_method_id is None or event.amount_due <= 0:
        return
    if await uow.charges.get_by_idempotency_key(
        idempotency_key_for(event.invoice_id, FIRST_ATTEMPT)
    ):
        return  # already charged or charging for this invoice: at most once
    method = await uow.payment_methods.get(event.csn, event.payment_method_id)
    if method is not None and method.is_active and not method.recurring:
        return  # R-SUB-9: Alipay, konbini, bank transfer: the invoice waits for a manual payment
    charge = Charge.for_invoice(
        csn=event.csn,
        invoice_id=event.invoice_id,
        attempt=FIRST_ATTEMPT,
        amount=event.amount_due,
        currency=event.currency,
        payment_method_id=event.payment_method_id,
        subscription_ids=[line.subscription_id for line in event.lines if line.subscription_id],
        now=uow.clock.now(),
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )
    uow.charges.add(charge)
    if method is None or not method.is_active:
        _fail(charge, "payment_method_missing", MESSAGES["payment_method_missing"], uow)
    elif method.is_expired(uow.clock.today()):
        # R-SUB-5: only a valid recurring method renews; the provider is not even asked.
        _fail(charge, "expired_card", MESSAGES["expired_card"], uow)


async def _settle(charge: Charge, uow: PaymentsUnitOfWork, provider: PaymentProvider) -> bool:
    """Ask the provider for the charge's outcome; False when it did not answer (still pending)."""
    uow.correlation_id, uow.causation_id = charge.correlation_id, charge.causation_id
    method = await uow.payment_methods.get(charge.csn, charge.payment_method_id)
    if method is None or not method.is_active:
        _fail(charge, "payment_method_missing", MESSAGES["payment_method_missing"], uow)
        return True
    try:
        result = await provider.charge(
            idempotency_key=charge.idempotency_key,
            token=method.provider_token,
            amount=charge.amount,
            currency=charge.currency,
        )
    except ProviderUnavailable as exc:
        # Retried next round with the same key: the provider returns what it recorded.
        log.warning("provider unavailable for charge %s: %s", charge.id, exc)
        return False
    if result.succeeded:
        if charge.succeed(result.provider_charge_id or "", uow.clock.now()):
            uow.publish(_payment_succeeded(charge))
    else:
        _fail(
            charge,
            result.failure_code or "payment_failed",
            result.failure_message or "The payment was refused.",
            uow,
        )
    return True


async def process_pending_charges(
    uow: PaymentsUnitOfWork, provider: PaymentProvider, limit: int = 100
) -> int:
    """Send pending charges to the provider, one unit of work each; returns how many settled.

    A crash between the provider's answer and the commit leaves the charge pending; the next
    round sends the same idempotency key and gets the provider's recorded result.
    """
    settled = 0
    tried: set[str] = set()
    for _ in range(limit):
        async with uow:
            charge = await uow.charges.lock_next_pending(tried)
            if charge is None:
                break
            tried.add(charge.id)
            if await _settle(charge, uow, provider):
                await uow.commit()
                settled += 1
    return settled
