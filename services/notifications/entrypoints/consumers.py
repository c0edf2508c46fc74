"""Kafka subscribers of the notifications service: thin, each delegates to a handler."""

from __future__ import annotations

from services.notifications.service_layer import handlers
from shared.events import (
    AccountContactsChanged,
    CustomerChanged,
    InvoiceIssued,
    PaymentFailed,
    PaymentMethodChanged,
    QuoteSent,
    SubscriptionChanged,
)
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on(AccountContactsChanged)(handlers.record_contacts)
    consumer.on(CustomerChanged)(handlers.record_customer)
    consumer.on_batch(SubscriptionChanged)(handlers.record_subscriptions)  # newest per key
    consumer.on(PaymentMethodChanged)(handlers.record_payment_method)
    consumer.on(QuoteSent)(handlers.quote_sent)
    consumer.on_batch(InvoiceIssued)(handlers.order_confirmations)  # accounts read once
    consumer.on(PaymentFailed)(handlers.payment_failed)
