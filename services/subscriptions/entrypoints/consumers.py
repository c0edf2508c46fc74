"""Kafka subscribers of the subscriptions service: thin, each delegates to a handler."""

from __future__ import annotations

from services.subscriptions.service_layer import batches, event_handlers
from shared.events import (
    CustomerChanged,
    InvoicePaid,
    PaymentFailed,
    PaymentMethodChanged,
    QuoteAccepted,
)
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on_batch(InvoicePaid)(batches.complete_renewals)  # set-based (issue 13)
    consumer.on(PaymentFailed)(event_handlers.record_payment_failure)
    consumer.on(PaymentMethodChanged)(event_handlers.apply_payment_method)
    consumer.on(CustomerChanged)(event_handlers.apply_customer)
    consumer.on(QuoteAccepted)(event_handlers.hold_quoted_renewals)
