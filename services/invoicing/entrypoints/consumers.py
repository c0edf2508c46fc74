"""Kafka subscribers of the invoicing service: thin, each delegates to a handler."""

from __future__ import annotations

from services.invoicing.service_layer import handlers
from shared.events import PaymentFailed, PaymentSucceeded, RenewalRequested
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on(RenewalRequested)(handlers.issue_renewal_invoice)
    consumer.on(PaymentSucceeded)(handlers.apply_payment)
    consumer.on(PaymentFailed)(handlers.record_payment_failure)
