"""Kafka subscribers of the quotes service: thin, each delegates to a handler."""

from __future__ import annotations

from services.quotes.service_layer import handlers, projections
from shared.events import AccountContactsChanged, CustomerChanged, SubscriptionChanged
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on_batch(SubscriptionChanged)(projections.record_subscriptions)  # newest per key
    consumer.on_batch(CustomerChanged)(projections.record_customers)
    consumer.on(AccountContactsChanged)(handlers.record_account_contacts)
