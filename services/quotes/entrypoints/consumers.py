"""Kafka subscribers of the quotes service: thin, each delegates to a handler."""

from __future__ import annotations

from services.quotes.service_layer import handlers
from shared.events import AccountContactsChanged, CustomerChanged, SubscriptionChanged
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on(SubscriptionChanged)(handlers.record_subscription)
    consumer.on(CustomerChanged)(handlers.record_customer)
    consumer.on(AccountContactsChanged)(handlers.record_account_contacts)
