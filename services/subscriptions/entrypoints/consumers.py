"""Kafka subscribers of the subscriptions service: thin, each delegates to a handler."""

from __future__ import annotations

from services.subscriptions.service_layer import handlers
from shared.events import (
    CustomerChanged,
    InvoicePaid,
    PaymentFailed,
    PaymentMethodChanged,
    QuoteAccepted,
)
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on(InvoicePaid)(handlers.complete_renewal)
    consumer.on(PaymentFailed)(handlers.record_payment_failure)
    consumer.on(PaymentMethodChanged)(handlers.apply_payment_method)
    consumer.on(CustomerChanged)(handlers.apply_customer)
    consumer.on(QuoteAccepted)(handlers.hold_quoted_renewals)
