"""Paying invoices (R-INV-2): requests from the invoices tab, and the answers from payments —
each charge applied once, failures shown on the invoice, money never lost: whatever arrives
beyond what is owed becomes credit on the account."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from services.invoicing.domain.credit_note import NOT_TAXABLE, CreditNote, credit_note_number
from services.invoicing.domain.model import Invoice
from services.invoicing.domain.payment_request import PaymentRequest, answered_request
from services.invoicing.service_layer.messages import credit_note_issued, invoice_paid
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import DomainError, NotFound
from shared.events import (
    Envelope,
    InvoicePaymentRequested,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PayInvoice:
    csn: str
    invoice_id: str
    payment_method_id: str
    amount: int | None  # None: everything still due
    requested_by: str


async def request_payment(cmd: PayInvoice, uow: InvoicingUnitOfWork) -> PaymentRequest:
    """Record a pending payment and ask payments to charge it (R-INV-2). The invoice row is
    locked, so two requests at once cannot both take the same amount due."""
    invoice = await uow.invoices.get_for_update(cmd.invoice_id, csn=cmd.csn)
    if invoice is None:
        raise NotFound("invoice", cmd.invoice_id)
    request = PaymentRequest.for_invoice(
        invoice,
        await uow.payment_requests.for_invoice(invoice.id, pending_only=True),
        amount=cmd.amount,
        payment_method_id=cmd.payment_method_id,
        requested_by=cmd.requested_by,
        now=uow.clock.now(),
    )
    uow.payment_requests.add(request)
    uow.publish(
        InvoicePaymentRequested(
            payment_request_id=uuid.UUID(request.id),
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            csn=invoice.csn,
            currency=invoice.currency,
            amount=request.amount,
            payment_method_id=request.payment_method_id,
            requested_by=request.requested_by,
        )
    )
    await uow.commit()
    return request


async def _answered(
    invoice: Invoice, event: PaymentSucceeded | PaymentFailed, uow: InvoicingUnitOfWork
) -> PaymentRequest | None:
    """The request a charge outcome answers: payments echoes its id (R-INV-2)."""
    pending = await uow.payment_requests.for_invoice(invoice.id, pending_only=True)
    request_id = event.payment_request_id
    return answered_request(
        pending,
        request_id=str(request_id) if request_id else None,
        amount=event.amount,
        payment_method_id=event.payment_method_id,
    )


async def apply_payment(event: PaymentSucceeded, _: Envelope, uow: InvoicingUnitOfWork) -> None:
    """A charge succeeded: apply it once; paying in full publishes invoice-paid once (R-INV-2)."""
    invoice = await uow.invoices.get_for_update(event.invoice_id)
    if invoice is None:
        raise DomainError("invoice_not_found", f"Payment {event.charge_id} for unknown invoice.")
    now = uow.clock.now()
    request = await _answered(invoice, event, uow)
    if request is not None:
        request.succeed(event.charge_id, now)
    outcome = invoice.apply_payment(event.charge_id, event.amount, now)
    if outcome.paid_in_full:
        uow.publish(invoice_paid(invoice))
    if outcome.excess:
        note = await credit_overpayment(invoice, event.charge_id, outcome.excess, uow)
        if note is not None:
            uow.publish(credit_note_issued(note))


async def credit_overpayment(
    invoice: Invoice, charge_id: str, excess: int, uow: InvoicingUnitOfWork
) -> CreditNote | None:
    """Money received beyond the amount due (paid twice, paid after cancellation) is kept as
    credit on the account, once per charge; it is not a sale, so it carries no tax."""
    source_key = f"overpayment:{charge_id}"
    if await uow.credit_notes.exists_for_source(source_key):
        return None
    customer = await uow.customers.get(invoice.csn)
    log.warning("charge %s paid %d beyond invoice %s", charge_id, excess, invoice.number)
    note = CreditNote.issue(
        csn=invoice.csn,
        number=credit_note_number(invoice.csn, await uow.numbers.next(invoice.csn, "credit_note")),
        currency=invoice.currency,
        reason=f"Overpayment on invoice {invoice.number} (charge {charge_id})",
        basis=NOT_TAXABLE,
        gross_amount=excess,
        bill_to="\n".join(customer.address_lines()) if customer else invoice.bill_to,
        issued_by="system",
        now=uow.clock.now(),
        source_key=source_key,
    )
    uow.credit_notes.add(note)
    return note


async def record_payment_failure(
    event: PaymentFailed, _: Envelope, uow: InvoicingUnitOfWork
) -> None:
    """The invoice shows the error until a payment succeeds (R-PAY-4)."""
    invoice = await uow.invoices.get_for_update(event.invoice_id)
    if invoice is None:
        return
    request = await _answered(invoice, event, uow)
    if request is not None:
        request.fail(event.charge_id, event.reason, uow.clock.now())
    invoice.record_payment_error(event.reason)


async def record_refund(event: PaymentRefunded, _: Envelope, uow: InvoicingUnitOfWork) -> None:
    """Payments sent a refund credit note's money back to the card (R-INV-3)."""
    note = await uow.credit_notes.get_any_for_update(event.credit_note_id)
    if note is None:
        raise DomainError("credit_note_not_found", f"Refund {event.refund_id} for unknown note.")
    refunded = note.record_refund(event.amount)
    invoice = await uow.invoices.get_for_update(event.invoice_id)
    if invoice is not None and refunded:
        invoice.record_refund(refunded)
