"""Kafka subscribers of the invoicing service: thin, each delegates to a handler."""

from __future__ import annotations

from services.invoicing.service_layer import batches, orders, payments
from shared.events import (
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    QuoteAccepted,
    RenewalOrderPlaced,
    RenewalRequested,
    SeatsChanged,
)
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on_batch(RenewalRequested)(batches.issue_renewal_invoices)  # set-based (issue 13)
    consumer.on(RenewalOrderPlaced)(orders.invoice_renewal_order)
    consumer.on(SeatsChanged)(orders.invoice_added_seats)
    consumer.on(QuoteAccepted)(orders.invoice_accepted_quote)
    consumer.on_batch(PaymentSucceeded)(batches.apply_payments)
    consumer.on(PaymentFailed)(payments.record_payment_failure)
    consumer.on(PaymentRefunded)(payments.record_refund)
