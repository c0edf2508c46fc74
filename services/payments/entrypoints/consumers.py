"""Kafka subscribers of the payments service: thin, each delegates to a handler."""

from __future__ import annotations

from services.payments.service_layer import handlers
from shared.events import InvoiceIssued
from shared.messaging.consumer import EventConsumer


def register(consumer: EventConsumer) -> None:
    consumer.on(InvoiceIssued)(handlers.on_invoice_issued)
