"""The integration events invoicing publishes, built from its aggregates."""

from __future__ import annotations

import uuid

from services.invoicing.domain.credit_note import CreditNote
from services.invoicing.domain.model import Customer, Invoice, InvoiceStatus
from shared.events import (
    BillingAddress,
    CreditNoteIssued,
    CustomerChanged,
    EventData,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceLineRef,
    InvoicePaid,
)


def line_refs(invoice: Invoice) -> list[InvoiceLineRef]:
    """What subscriptions needs to know which term each line pays for (R-SUB-12), and for a
    renewal the seats and price it was bought with (a quote may change them, R-QUO-2)."""
    return [
        InvoiceLineRef(
            subscription_id=line.subscription_id,
            renewal_id=uuid.UUID(line.renewal_id) if line.renewal_id else None,
            period_start=line.period_start,
            period_end=line.period_end,
            amount=line.amount,
            kind=line.kind,  # type: ignore[arg-type]
            seats=line.quantity if line.kind == "renewal" else None,
            unit_amount=line.unit_amount if line.kind == "renewal" else None,
        )
        for line in invoice.lines
    ]


def invoice_issued(invoice: Invoice) -> InvoiceIssued:
    return InvoiceIssued(
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
        collection=invoice.collection,  # type: ignore[arg-type]
        payment_method_id=invoice.payment_method_id,
        lines=line_refs(invoice),
        order_id=invoice.order_id,
    )


def invoice_paid(invoice: Invoice) -> InvoicePaid:
    assert invoice.paid_at is not None
    return InvoicePaid(
        invoice_id=invoice.id,
        invoice_number=invoice.number,
        csn=invoice.csn,
        currency=invoice.currency,
        total=invoice.total,
        paid_at=invoice.paid_at,
        lines=line_refs(invoice),
        order_id=invoice.order_id,
    )


def announcement(invoice: Invoice) -> list[EventData]:
    """What an invoice's consumers act on, said again: paid, or issued while open."""
    if invoice.status == InvoiceStatus.PAID:
        return [invoice_paid(invoice)]
    if invoice.status == InvoiceStatus.OPEN:
        return [invoice_issued(invoice)]
    return []


def invoice_cancelled(invoice: Invoice) -> InvoiceCancelled:
    assert invoice.cancelled_at is not None
    return InvoiceCancelled(
        invoice_id=invoice.id,
        invoice_number=invoice.number,
        csn=invoice.csn,
        reason=invoice.cancellation_reason or "",
        cancelled_at=invoice.cancelled_at,
        lines=line_refs(invoice),
    )


def customer_changed(customer: Customer) -> CustomerChanged:
    return CustomerChanged(
        csn=customer.csn,
        company_name=customer.company_name,
        billing_address=BillingAddress(
            line1=customer.address_line1,
            line2=customer.address_line2,
            city=customer.city,
            region=customer.region,
            postal_code=customer.postal_code,
            country=customer.country,
        ),
        net_terms_days=customer.net_terms_days,
        tax_id=customer.tax_id,
    )


def credit_note_issued(note: CreditNote) -> CreditNoteIssued:
    """refund=true: payments refunds the paid invoice's charge (R-INV-3)."""
    return CreditNoteIssued(
        credit_note_id=note.id,
        credit_note_number=note.number,
        csn=note.csn,
        currency=note.currency,
        amount=note.total,
        invoice_id=note.invoice_id,
        refund=note.refund,
        reason=note.reason,
    )
