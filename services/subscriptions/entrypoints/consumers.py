"""Kafka subscribers of the subscriptions service: thin, each delegates to a handler."""

from __future__ import annotations

from services.subscriptions.service_layer import handlers
from shared.events import InvoicePaid, PaymentFailed
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on(InvoicePaid)(handlers.complete_renewal)
    consumer.on(PaymentFailed)(handlers.record_payment_failure)
