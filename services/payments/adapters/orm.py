"""Tables of the payments service, mapped onto the domain classes (imperative mapping)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry

from services.payments.domain.model import (
    Charge,
    ChargeOrigin,
    ChargeStatus,
    PaymentMethod,
    PaymentMethodKind,
    PaymentMethodStatus,
)
from services.payments.domain.refunds import Refund, RefundStatus
from services.payments.domain.upcoming import InvoiceView, SubscriptionView
from shared.db import str_enum
from shared.db_types import UtcDateTime
from shared.messaging.tables import define_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = define_messaging_tables(metadata)


class JsonList(TypeDecorator[list[str]]):
    """A list of strings stored as JSON text (same column type on SQLite and PostgreSQL)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str:
        return json.dumps(list(value or []))

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        return list(json.loads(value)) if value else []


payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("kind", str_enum(PaymentMethodKind, "payment_method_kind"), nullable=False),
    # R-PAY-1: a provider token, brand, last four digits and expiry; never a card number.
    Column("provider_token", String(200), nullable=False),
    Column("brand", String(40), nullable=False),
    Column("last4", String(4), nullable=True),
    Column("exp_month", Integer, nullable=True),
    Column("exp_year", Integer, nullable=True),
    Column("holder_name", String(200), nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("status", str_enum(PaymentMethodStatus, "payment_method_status"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=True),
    Column("announced_valid", Boolean, nullable=True),
)

charges = Table(
    "charges",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    # One key per invoice and attempt: a payment for one invoice is charged at most once.
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method_id", String(64), nullable=False),
    Column("status", str_enum(ChargeStatus, "charge_status"), nullable=False),
    Column("failure_code", String(64), nullable=True),
    Column("failure_message", String(500), nullable=True),
    Column("provider_charge_id", String(200), nullable=True),
    Column("subscription_ids", JsonList, nullable=False),
    Column("correlation_id", String(200), nullable=True),
    Column("causation_id", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("origin", str_enum(ChargeOrigin, "charge_origin"), nullable=False),
    Column("payment_request_id", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("retry_at", UtcDateTime(), nullable=True),
    Column("settled_at", UtcDateTime(), nullable=True),
    Column("traceparent", String(55), nullable=True),  # W3C trace of the event that asked
    Index("ix_charges_status_updated", "status", "updated_at"),
    Index("ix_charges_csn_invoice", "csn", "invoice_id"),
    Index("ix_charges_invoice", "invoice_id"),
    Index("ix_charges_retry_at", "retry_at"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("invoice_id", String(64), nullable=False),
    Column("charge_id", String(64), nullable=False, index=True),
    Column("credit_note_id", String(64), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", str_enum(RefundStatus, "refund_status"), nullable=False),
    Column("provider_refund_id", String(200), nullable=True),
    Column("failure_code", String(64), nullable=True),
    Column("failure_message", String(500), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("correlation_id", String(200), nullable=True),
    Column("causation_id", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_refunds_status_updated", "status", "updated_at"),
    Index("ix_refunds_csn_invoice", "csn", "invoice_id"),
)

# Projections of other services' events (event-carried state), for upcoming payments (R-PAY-2)
# and the delete rule (R-PAY-1).
subscription_views = Table(
    "subscription_views",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("product_name", String(200), nullable=False),
    Column("status", String(30), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("collection", String(30), nullable=False),
    Column("renewal_date", Date, nullable=False),
    Column("renewal_amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method_id", String(64), nullable=True, index=True),
    Column("payment_error", String(64), nullable=True),
    Column("as_of", UtcDateTime(), nullable=False),
)

invoice_views = Table(
    "invoice_views",
    metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("invoice_number", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Integer, nullable=False),
    Column("amount_due", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("collection", String(30), nullable=False),
    Column("status", String(30), nullable=False),
    Column("renewal_keys", JsonList, nullable=False),
    Column("subscription_ids", JsonList, nullable=False),
    Index("ix_invoice_views_csn_status", "csn", "status"),
)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(PaymentMethod, payment_methods)
    mapper_registry.map_imperatively(Charge, charges)
    mapper_registry.map_imperatively(Refund, refunds)
    mapper_registry.map_imperatively(SubscriptionView, subscription_views)
    mapper_registry.map_imperatively(InvoiceView, invoice_views)


start_mappers()
