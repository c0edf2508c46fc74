"""Kafka subscribers of the payments service: thin, each delegates to a handler.
One topic per subscriber function (the Tansu broker needs it)."""

from __future__ import annotations

from services.payments.service_layer import batches, handlers
from shared.events import (
    CreditNoteIssued,
    InvoiceCancelled,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentRequested,
    SubscriptionChanged,
)
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on_batch(InvoiceIssued)(batches.on_invoice_issued_batch)  # set-based (issue 13)
    consumer.on(InvoicePaymentRequested)(handlers.on_invoice_payment_requested)
    consumer.on_batch(InvoicePaid)(batches.on_invoice_paid_batch)
    consumer.on(InvoiceCancelled)(handlers.on_invoice_cancelled)
    consumer.on(CreditNoteIssued)(handlers.on_credit_note_issued)
    consumer.on_batch(SubscriptionChanged)(batches.on_subscription_changed_batch)
