"""What payments does with other services' events: each takes (event, envelope, unit of work).

No provider call happens here (no PSP I/O inside a consumer's transaction): charges and
refunds are recorded as pending and sent by the processors in `processing`."""

from __future__ import annotations

import logging
from datetime import datetime

from services.payments.domain.model import (
    Charge,
    ChargeStatus,
    idempotency_key_for,
    request_idempotency_key,
)
from services.payments.domain.refunds import Refund, allocate_refund
from services.payments.domain.upcoming import InvoiceView, SubscriptionView, renewal_key
from services.payments.service_layer.announce import payment_succeeded
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.events import (
    CreditNoteIssued,
    Envelope,
    InvoiceCancelled,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentRequested,
    SubscriptionChanged,
)
from shared.observability.tracing import current_traceparent

log = logging.getLogger(__name__)

FIRST_ATTEMPT = 1


async def on_invoice_issued(
    event: InvoiceIssued, envelope: Envelope, uow: PaymentsUnitOfWork
) -> None:
    """Keep the invoice for upcoming payments (R-PAY-2); an automatic-collection invoice also
    gets a pending charge on its saved method."""
    if await uow.invoices.get(event.invoice_id) is None:
        uow.invoices.add(invoice_view_of(event))
    if not collects_automatically(event) or event.payment_method_id is None:
        return
    if await uow.charges.get_by_idempotency_key(
        idempotency_key_for(event.invoice_id, FIRST_ATTEMPT)
    ):
        # Already charged or charging: at most once. Announced again (reconciliation, a lost
        # answer): say again what succeeded; invoicing applies each charge once.
        for charge in await uow.charges.of_invoice(event.invoice_id):
            if charge.status == ChargeStatus.SUCCEEDED:
                uow.publish(payment_succeeded(charge))
        return
    method = await uow.payment_methods.get(event.csn, event.payment_method_id)
    if method is not None and method.is_active and not method.recurring:
        return  # R-SUB-9: Alipay, konbini, bank transfer: the invoice waits for a manual payment
    uow.charges.add(
        first_charge_of(
            event, event.payment_method_id, envelope, uow.clock.now(), uow.traceparent_of(envelope)
        )
    )


def invoice_view_of(event: InvoiceIssued) -> InvoiceView:
    """What upcoming payments (R-PAY-2) keep of an issued invoice."""
    return InvoiceView(
        invoice_id=event.invoice_id,
        csn=event.csn,
        invoice_number=event.invoice_number,
        currency=event.currency,
        total=event.total,
        amount_due=event.amount_due,
        due_date=event.due_date,
        collection=event.collection,
        status="open" if event.amount_due > 0 else "paid",
        renewal_keys=[
            renewal_key(line.subscription_id, line.period_start)
            for line in event.lines
            if line.subscription_id and line.period_start
        ],
        subscription_ids=sorted({ln.subscription_id for ln in event.lines if ln.subscription_id}),
    )


def collects_automatically(event: InvoiceIssued) -> bool:
    """An invoice charged on its saved method without anyone paying it by hand."""
    return (
        event.collection == "automatic"
        and event.payment_method_id is not None
        and event.amount_due > 0
    )


def first_charge_of(
    event: InvoiceIssued,
    payment_method_id: str,
    envelope: Envelope,
    now: datetime,
    traceparent: str | None,
) -> Charge:
    """The first attempt at charging an invoice that collects automatically (R-PAY-4)."""
    charge = Charge.for_invoice(
        csn=event.csn,
        invoice_id=event.invoice_id,
        attempt=FIRST_ATTEMPT,
        amount=event.amount_due,
        currency=event.currency,
        payment_method_id=payment_method_id,
        subscription_ids=[line.subscription_id for line in event.lines if line.subscription_id],
        now=now,
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )
    charge.traceparent = traceparent  # the processor charges in the invoice's trace
    return charge


async def on_invoice_payment_requested(
    event: InvoicePaymentRequested, envelope: Envelope, uow: PaymentsUnitOfWork
) -> None:
    """A person pays an open invoice from the invoices tab (R-INV-2): one charge per request."""
    key = request_idempotency_key(event.invoice_id, str(event.payment_request_id))
    if await uow.charges.get_by_idempotency_key(key) is not None:
        return
    charge = Charge.for_payment_request(
        csn=event.csn,
        invoice_id=event.invoice_id,
        payment_request_id=str(event.payment_request_id),
        amount=event.amount,
        currency=event.currency,
        payment_method_id=event.payment_method_id,
        now=uow.clock.now(),
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )
    charge.traceparent = current_traceparent()  # the person's click, through to the provider
    uow.charges.add(charge)


async def on_invoice_paid(event: InvoicePaid, envelope: Envelope, uow: PaymentsUnitOfWork) -> None:
    """Paid, by us or otherwise: no retry and no unsent automatic charge is left (R-PAY-4)."""
    invoice = await uow.invoices.get(event.invoice_id)
    if invoice is None:
        invoice = paid_invoice_view_of(event)
        uow.invoices.add(invoice)
    invoice.status, invoice.amount_due = "paid", 0
    await _stop_collecting(event.invoice_id, uow)


def paid_invoice_view_of(event: InvoicePaid) -> InvoiceView:
    """An invoice first heard of as paid (its invoice-issued not consumed yet)."""
    return InvoiceView(
        invoice_id=event.invoice_id,
        csn=event.csn,
        invoice_number=event.invoice_number,
        currency=event.currency,
        total=event.total,
        amount_due=0,
        due_date=event.paid_at.date(),
        collection="automatic",
        status="paid",
    )


async def on_invoice_cancelled(
    event: InvoiceCancelled, envelope: Envelope, uow: PaymentsUnitOfWork
) -> None:
    """Nothing is owed on it any more: no retry, no unsent automatic charge, not upcoming."""
    invoice = await uow.invoices.get(event.invoice_id)
    if invoice is not None and invoice.status == "open":
        invoice.status = "cancelled"
    await _stop_collecting(event.invoice_id, uow)


async def _stop_collecting(invoice_id: str, uow: PaymentsUnitOfWork) -> None:
    now = uow.clock.now()
    for charge in await uow.charges.of_invoice(invoice_id, lock=True):
        charge.stop_collecting(now)


async def on_subscription_changed(
    event: SubscriptionChanged, envelope: Envelope, uow: PaymentsUnitOfWork
) -> None:
    """Keep what upcoming payments (R-PAY-2) and the delete rule (R-PAY-1) need; an older
    snapshot never overwrites a newer one."""
    view = await uow.subscriptions.get(event.subscription_id)
    if view is not None and view.as_of > envelope.occurred_at:
        return
    if view is None:
        uow.subscriptions.add(subscription_view_of(event, envelope))
        return
    view.csn, view.product_name, view.status = event.csn, event.product_name, event.status
    view.auto_renew, view.collection = event.auto_renew, event.collection
    view.renewal_date = event.renewal_date
    view.renewal_amount, view.currency = event.renewal_amount.amount, event.renewal_amount.currency
    view.payment_method_id, view.payment_error = event.payment_method_id, event.payment_error
    view.as_of = envelope.occurred_at


def subscription_view_of(event: SubscriptionChanged, envelope: Envelope) -> SubscriptionView:
    return SubscriptionView(
        subscription_id=event.subscription_id,
        csn=event.csn,
        product_name=event.product_name,
        status=event.status,
        auto_renew=event.auto_renew,
        collection=event.collection,
        renewal_date=event.renewal_date,
        renewal_amount=event.renewal_amount.amount,
        currency=event.renewal_amount.currency,
        payment_method_id=event.payment_method_id,
        payment_error=event.payment_error,
        as_of=envelope.occurred_at,
    )


async def on_credit_note_issued(
    event: CreditNoteIssued, envelope: Envelope, uow: PaymentsUnitOfWork
) -> None:
    """A credit note that refunds a paid invoice: refund its succeeded charge(s), newest
    first, never more than was charged (R-INV-3). The refunds are sent by the processor."""
    if not event.refund or event.invoice_id is None:
        return  # credit kept on the account
    if await uow.refunds.of_credit_note(event.credit_note_id):
        return
    succeeded = [
        c
        for c in await uow.charges.of_invoice(event.invoice_id, lock=True)
        if c.status == ChargeStatus.SUCCEEDED
        and c.csn == event.csn
        and c.currency == event.currency
    ]
    refunded = await uow.refunds.refunded_per_charge([c.id for c in succeeded])
    shares, unplaced = allocate_refund(
        event.amount, [(c, c.amount - refunded.get(c.id, 0)) for c in succeeded]
    )
    now = uow.clock.now()
    for charge, amount in shares:
        uow.refunds.add(
            Refund.of_charge(
                charge,
                event.credit_note_id,
                amount,
                now,
                correlation_id=envelope.correlation_id,
                causation_id=str(envelope.event_id),
            )
        )
    if unplaced:
        log.warning(
            "credit note %s: %d %s not refundable through the provider (invoice %s)",
            event.credit_note_id,
            unplaced,
            event.currency,
            event.invoice_id,
        )
