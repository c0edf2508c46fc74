"""Use cases of the invoicing service."""

from __future__ import annotations

import logging

from services.invoicing.domain.model import Invoice, LineDraft, invoice_number
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import DomainError
from shared.events import (
    Envelope,
    InvoiceIssued,
    InvoiceLineRef,
    InvoicePaid,
    PaymentFailed,
    PaymentSucceeded,
    RenewalRequested,
)

log = logging.getLogger(__name__)

TERM_LABEL = {"monthly": "1 month", "annual": "1 year", "three_year": "3 years"}


def _line_refs(invoice: Invoice) -> list[InvoiceLineRef]:
    return [
        InvoiceLineRef(
            subscription_id=line.subscription_id,
            renewal_id=line.renewal_id,
            period_start=line.period_start,
            period_end=line.period_end,
            amount=line.amount,
        )
        for line in invoice.lines
    ]


async def issue_renewal_invoice(
    event: RenewalRequested, _: Envelope, uow: InvoicingUnitOfWork
) -> None:
    """Invoice one renewal term, with tax from the billing address (R-INV-5)."""
    source_key = f"renewal:{event.renewal_id}"
    if await uow.invoices.exists_for_source(source_key):
        return  # the same renewal asked twice: one invoice (source_key is also unique)
    customer = await uow.customers.get(event.csn)
    if customer is None:
        raise DomainError("customer_unknown", f"No billing details for account {event.csn}.")
    rate = await uow.customers.tax_rate_for(customer)
    if rate is None:
        raise DomainError(
            "tax_rate_unknown", f"No tax rate for {customer.country}/{customer.region}."
        )
    invoice = Invoice.issue(
        customer=customer,
        number=invoice_number(event.csn, await uow.invoices.next_number(event.csn)),
        currency=event.unit_price.currency,
        drafts=[
            LineDraft(
                description=(
                    f"{event.product_name} renewal, {event.seats} seat(s), "
                    f"{TERM_LABEL[event.term]}: {event.period_start} to {event.period_end}"
                ),
                quantity=event.seats,
                unit_amount=event.unit_price.amount,
                subscription_id=event.subscription_id,
                renewal_id=str(event.renewal_id),
                period_start=event.period_start,
                period_end=event.period_end,
            )
        ],
        rate=rate,
        today=uow.clock.today(),
        collection=event.collection,
        source_key=source_key,
        payment_method_id=event.payment_method_id,
    )
    uow.invoices.add(invoice)
    uow.publish(
        InvoiceIssued(
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            csn=invoice.csn,
            currency=invoice.currency,
            subtotal=invoice.subtotal,
            tax=invoice.tax,
            total=invoice.total,
            amount_due=invoice.amount_due,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            collection=event.collection,
            payment_method_id=invoice.payment_method_id,
            lines=_line_refs(invoice),
        )
    )


async def apply_payment(event: PaymentSucceeded, _: Envelope, uow: InvoicingUnitOfWork) -> None:
    """A charge succeeded: apply it once; paying in full publishes invoice-paid once (R-INV-2)."""
    invoice = await uow.invoices.get_for_update(event.invoice_id)
    if invoice is None:
        raise DomainError("invoice_not_found", f"Payment {event.charge_id} for unknown invoice.")
    if invoice.apply_payment(event.charge_id, event.amount, uow.clock.now()):
        uow.publish(
            InvoicePaid(
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                csn=invoice.csn,
                currency=invoice.currency,
                total=invoice.total,
                paid_at=invoice.paid_at or uow.clock.now(),
                lines=_line_refs(invoice),
            )
        )


async def record_payment_failure(
    event: PaymentFailed, _: Envelope, uow: InvoicingUnitOfWork
) -> None:
    invoice = await uow.invoices.get_for_update(event.invoice_id)
    if invoice is not None:
        invoice.record_payment_error(event.reason)
