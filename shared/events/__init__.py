"""The event envelope and the published event contracts, one module per producing service.

These pydantic models are the contract with other company systems: change them
additively only; a breaking change is a new `version`. JSON Schema snapshots of
every contract live in docs/events/ and tests/contracts fails on a breaking change.
"""

from __future__ import annotations

from shared.events import directory, invoicing, payments, quotes, subscriptions
from shared.events.base import (
    Collection,
    DeadLettered,
    Envelope,
    EventData,
    MoneyField,
    Term,
    dead_letter_topic,
)
from shared.events.directory import AccountContact, AccountContactsChanged
from shared.events.invoicing import (
    BillingAddress,
    CreditNoteIssued,
    CustomerChanged,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceLineRef,
    InvoicePaid,
    InvoicePaymentRequested,
)
from shared.events.payments import (
    PaymentFailed,
    PaymentMethodChanged,
    PaymentRefunded,
    PaymentSucceeded,
)
from shared.events.quotes import QuoteAccepted, QuoteLine, QuoteSent
from shared.events.subscriptions import (
    AutoRenewChanged,
    RenewalOrderLine,
    RenewalOrderPlaced,
    RenewalRequested,
    SeatsChanged,
    SubscriptionChanged,
    SubscriptionExpired,
    SubscriptionRenewed,
)

CONTRACTS: tuple[type[EventData], ...] = (
    *subscriptions.CONTRACTS,
    *invoicing.CONTRACTS,
    *payments.CONTRACTS,
    *quotes.CONTRACTS,
    *directory.CONTRACTS,
    DeadLettered,
)
TOPICS: tuple[str, ...] = tuple(c.topic for c in CONTRACTS if c is not DeadLettered)

__all__ = [
    "CONTRACTS",
    "TOPICS",
    "AccountContact",
    "AccountContactsChanged",
    "AutoRenewChanged",
    "BillingAddress",
    "Collection",
    "CreditNoteIssued",
    "CustomerChanged",
    "DeadLettered",
    "Envelope",
    "EventData",
    "InvoiceCancelled",
    "InvoiceIssued",
    "InvoiceLineRef",
    "InvoicePaid",
    "InvoicePaymentRequested",
    "MoneyField",
    "PaymentFailed",
    "PaymentMethodChanged",
    "PaymentRefunded",
    "PaymentSucceeded",
    "QuoteAccepted",
    "QuoteLine",
    "QuoteSent",
    "RenewalOrderLine",
    "RenewalOrderPlaced",
    "RenewalRequested",
    "SeatsChanged",
    "SubscriptionChanged",
    "SubscriptionExpired",
    "SubscriptionRenewed",
    "Term",
    "dead_letter_topic",
]
