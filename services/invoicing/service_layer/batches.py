"""Invoicing's hot paths for a batch of events (issue 13): what one poll brought, already
deduplicated, in one unit of work — read in a few statements, decided by the domain in the
order the events arrived, written many rows at a time. Every outbox row carries the
correlation and causation of the event that caused it. Exactly what the one-event handlers
(orders.issue_renewal_invoice, payments.apply_payment) do one transaction at a time; a
batch of one is correct too (the consumer's fallback when a batch fails)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from services.invoicing.domain.model import Invoice, InvoicePayment, InvoiceStatus
from services.invoicing.domain.order import Order
from services.invoicing.domain.payment_request import (
    PaymentRequest,
    PaymentRequestStatus,
    answered_request,
)
from services.invoicing.domain.renewal_billing import (
    RenewalAsked,
    RenewalBilling,
    plan_renewal_billing,
)
from services.invoicing.service_layer.messages import (
    announcement,
    credit_note_issued,
    invoice_issued,
    invoice_paid,
)
from services.invoicing.service_layer.orders import customer_unknown, documents, renewal_purchase
from services.invoicing.service_layer.payments import credit_overpayment
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import DomainError
from shared.events import Envelope, PaymentSucceeded, RenewalRequested

log = logging.getLogger(__name__)

RenewalsAsked = Sequence[tuple[RenewalRequested, Envelope]]


async def issue_renewal_invoices(items: RenewalsAsked, uow: InvoicingUnitOfWork) -> None:
    """Automatic renewals (R-SUB-5): one order and one invoice per renewal term, however often
    it is asked for; a term already billed is announced again, never billed twice."""
    asked = [RenewalAsked(event.csn, str(event.renewal_id)) for event, _ in items]
    plan = plan_renewal_billing(
        asked,
        await uow.rows.billing_renewals({a.renewal_id for a in asked}),
        await uow.rows.sources_taken({a.source_key for a in asked}),
    )
    issued = await _issue(items, plan, uow)
    await uow.rows.add_issued(list(issued.values()))
    for index, ((event, envelope), billing) in enumerate(zip(items, plan, strict=True)):
        if billing.issue:
            invoice = issued[index][0]
            uow.publish(invoice_issued(invoice), cause=envelope)
            if invoice.status == InvoiceStatus.PAID:  # nothing to pay: completes now
                uow.publish(invoice_paid(invoice), cause=envelope)
            continue
        said_again = list(billing.already_billed)
        if billing.issued_by_request is not None:
            said_again.append(issued[billing.issued_by_request][0])
        if said_again:
            log.info("renewal %s is already billed; no automatic order", event.renewal_id)
        for invoice in said_again:  # asked again (reconciliation): where it stands
            for news in announcement(invoice):
                uow.publish(news, cause=envelope)


async def _issue(
    items: RenewalsAsked, plan: Sequence[RenewalBilling], uow: InvoicingUnitOfWork
) -> dict[int, tuple[Invoice, Order]]:
    """The documents of the renewals to bill, numbered in arrival order per account with
    numbers taken in one statement (gapless, R-INV-1); tax at each billing address (R-INV-5)."""
    to_issue = [index for index, billing in enumerate(plan) if billing.issue]
    if not to_issue:
        return {}
    customers = await uow.rows.customers({items[i][0].csn for i in to_issue})
    counts: Counter[tuple[str, str]] = Counter()
    for i in to_issue:
        csn = items[i][0].csn
        if csn not in customers:
            raise customer_unknown(csn)
        counts.update([(csn, "invoice"), (csn, "order")])
    next_number = await uow.rows.allocate_numbers(counts)
    now = uow.clock.now()
    issued: dict[int, tuple[Invoice, Order]] = {}
    for i in to_issue:
        csn = items[i][0].csn
        issued[i] = documents(
            renewal_purchase(items[i][0]),
            customers[csn],
            invoice_sequence=next_number[(csn, "invoice")],
            order_sequence=next_number[(csn, "order")],
            now=now,
        )
        next_number[(csn, "invoice")] += 1
        next_number[(csn, "order")] += 1
    return issued


async def apply_payments(
    items: Sequence[tuple[PaymentSucceeded, Envelope]], uow: InvoicingUnitOfWork
) -> None:
    """Charges that succeeded: each applied once (R-INV-2); an invoice paid in full publishes
    invoice-paid once; money beyond what is owed becomes credit (payments.credit_overpayment)."""
    invoices = await uow.rows.invoices_for_update({event.invoice_id for event, _ in items})
    pending = await uow.rows.pending_requests(invoices)
    now = uow.clock.now()
    changed: dict[str, Invoice] = {}
    applied: list[InvoicePayment] = []
    answered: dict[str, PaymentRequest] = {}
    for event, envelope in items:
        invoice = invoices.get(event.invoice_id)
        if invoice is None:
            raise DomainError(
                "invoice_not_found", f"Payment {event.charge_id} for unknown invoice."
            )
        request = answered_request(
            [p for p in pending[invoice.id] if p.status == PaymentRequestStatus.PENDING],
            request_id=str(event.payment_request_id) if event.payment_request_id else None,
            amount=event.amount,
            payment_method_id=event.payment_method_id,
        )
        if request is not None:
            request.succeed(event.charge_id, now)
            answered[request.id] = request
        already = len(invoice.payments)
        outcome = invoice.apply_payment(event.charge_id, event.amount, now)
        for payment in invoice.payments[already:]:
            payment.invoice_id = invoice.id
            applied.append(payment)
        if outcome.applied:
            changed[invoice.id] = invoice
        if outcome.paid_in_full:
            uow.publish(invoice_paid(invoice), cause=envelope)
        if outcome.excess:
            note = await credit_overpayment(invoice, event.charge_id, outcome.excess, uow)
            if note is not None:
                uow.publish(credit_note_issued(note), cause=envelope)
    await uow.rows.save_payments(list(changed.values()), applied, list(answered.values()))
