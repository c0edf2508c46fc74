"""`on_subscription_changed`, `on_invoice_issued` and `on_invoice_paid` for a batch consumer:
`items` are the new events of one poll in delivery (partition/offset) order, inside one unit of
work the consumer commits. Same rules as the per-event handlers (`handlers`), a few statements
per batch."""

from __future__ import annotations

from collections.abc import Sequence

from services.payments.domain.model import Charge, ChargeStatus, idempotency_key_for
from services.payments.domain.upcoming import InvoiceView
from services.payments.service_layer.announce import payment_succeeded
from services.payments.service_layer.handlers import (
    FIRST_ATTEMPT,
    collects_automatically,
    first_charge_of,
    invoice_view_of,
    paid_invoice_view_of,
    subscription_view_of,
)
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.events import Envelope, InvoiceIssued, InvoicePaid, SubscriptionChanged


async def on_subscription_changed_batch(
    items: Sequence[tuple[SubscriptionChanged, Envelope]], uow: PaymentsUnitOfWork
) -> None:
    """One upsert: the newest snapshot of each subscription, never over a newer one already
    kept (upcoming payments R-PAY-2, the delete rule R-PAY-1)."""
    await uow.subscriptions.record_newest(
        [subscription_view_of(event, envelope) for event, envelope in items]
    )


async def on_invoice_issued_batch(
    items: Sequence[tuple[InvoiceIssued, Envelope]], uow: PaymentsUnitOfWork
) -> None:
    """The invoices not known yet (R-PAY-2) in one statement, and the first pending charge of
    each that collects automatically in another; an invoice announced again gets what
    succeeded on it announced again, never a second charge."""
    views: dict[str, InvoiceView] = {}
    for event, _ in items:
        views.setdefault(event.invoice_id, invoice_view_of(event))
    await uow.invoices.add_new(list(views.values()))
    collected = [(e, env) for e, env in items if collects_automatically(e)]
    if not collected:
        return
    existing = await uow.charges.of_invoice_ids({e.invoice_id for e, _ in collected})
    charged = {c.idempotency_key for c in existing}
    methods = await uow.payment_methods.of_ids({e.payment_method_id or "" for e, _ in collected})
    new: list[Charge] = []
    for event, envelope in collected:
        method_id = event.payment_method_id or ""
        key = idempotency_key_for(event.invoice_id, FIRST_ATTEMPT)
        if key in charged:  # at most once; say again what succeeded (invoicing applies it once)
            for charge in existing:
                if (
                    charge.invoice_id == event.invoice_id
                    and charge.status == ChargeStatus.SUCCEEDED
                ):  # in the announcing event's flow and trace
                    uow.publish(payment_succeeded(charge), cause=envelope)
            continue
        method = methods.get(method_id)
        if method is not None and method.csn == event.csn and method.is_active:
            if not method.recurring:
                continue  # R-SUB-9: the invoice waits for a manual payment
        now, trace = uow.clock.now(), uow.traceparent_of(envelope)
        new.append(first_charge_of(event, method_id, envelope, now, trace))
        charged.add(key)
    await uow.charges.add_many(new)


async def on_invoice_paid_batch(
    items: Sequence[tuple[InvoicePaid, Envelope]], uow: PaymentsUnitOfWork
) -> None:
    """Paid, by us or otherwise (R-PAY-4): every invoice of the batch marked paid in one
    statement (one not known yet kept as paid), then the charges of all of them locked in id
    order in one, and no retry and no unsent automatic charge left on any."""
    first: dict[str, InvoicePaid] = {}
    for event, _ in items:
        first.setdefault(event.invoice_id, event)
    # in invoice id order: the rows are locked in the same order by any two batches
    await uow.invoices.mark_paid([paid_invoice_view_of(first[i]) for i in sorted(first)])
    now = uow.clock.now()
    for charge in await uow.charges.lock_of_invoices(first):
        charge.stop_collecting(now)
