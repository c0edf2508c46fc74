"""Tables of the quotes service, mapped onto the domain classes (imperative mapping)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry, relationship
from sqlalchemy.types import TypeDecorator

from services.quotes.domain.eligibility import CustomerSnapshot, SubscriptionSnapshot
from services.quotes.domain.model import (
    Address,
    AppliedPromotion,
    LineKind,
    Quote,
    QuoteLine,
    QuoteOrigin,
    QuoteStatus,
)
from shared.db import str_enum
from shared.db_types import UtcDateTime
from shared.messaging.tables import define_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = define_messaging_tables(metadata)


class _JsonText(TypeDecorator[Any]):
    """A value object stored as JSON text (the domain never sees the encoding)."""

    impl = Text
    cache_ok = True

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, raw: Any) -> Any:
        return raw

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(self.encode(value), sort_keys=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.decode(json.loads(value))


class AddressType(_JsonText):
    cache_ok = True

    def encode(self, value: Address) -> dict[str, Any]:
        return dataclasses.asdict(value)

    def decode(self, raw: dict[str, Any]) -> Address:
        return Address(**raw)


class PromotionsType(_JsonText):
    cache_ok = True

    def encode(self, value: list[AppliedPromotion]) -> list[dict[str, Any]]:
        return [dataclasses.asdict(p) for p in value]

    def decode(self, raw: list[dict[str, Any]]) -> list[AppliedPromotion]:
        return [AppliedPromotion(**p) for p in raw]


class StringListType(_JsonText):
    cache_ok = True


quotes = Table(
    "quotes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("csn", String(32), nullable=False, index=True),
    Column("origin", str_enum(QuoteOrigin, "quote_origin", length=20), nullable=False),
    Column("status", str_enum(QuoteStatus, "quote_status", length=20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("purchase_method", String(20), nullable=False),
    Column("partner_csn", String(32), nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("validity_days", Integer, nullable=False),
    Column("recipients", StringListType, nullable=False),
    Column("billing_address", AddressType, nullable=True),
    Column("tax_rate", String(12), nullable=False),
    Column("tax_name", String(100), nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("discount_total", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("priced_on", Date, nullable=True),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("expires_on", Date, nullable=True),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("accepted_by", String(200), nullable=True),
    Column("payment_method_id", String(64), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancelled_by", String(200), nullable=True),
    Column("cancellation_reason", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_quotes_status_expires", "status", "expires_on"),
    UniqueConstraint("number", name="uq_quotes_number"),
)

quote_lines = Table(
    "quote_lines",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("quote_id", String(36), ForeignKey("quotes.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", str_enum(LineKind, "quote_line_kind", length=20), nullable=False),
    Column("subscription_id", String(64), nullable=True, index=True),
    Column("product_code", String(64), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("term", String(20), nullable=False),
    Column("unit_price", Integer, nullable=False),
    Column("list_amount", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("promotions", PromotionsType, nullable=False),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
)

quote_sequences = Table(
    "quote_sequences",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

# --- projections of other services' snapshots -----------------------------------------------
subscription_snapshots = Table(
    "subscription_snapshots",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("contract_id", String(64), nullable=True),
    Column("team_id", String(64), nullable=False),
    Column("product_code", String(64), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("seats_at_renewal", Integer, nullable=False),
    Column("term", String(20), nullable=False),
    Column("term_at_renewal", String(20), nullable=False),
    Column("unit_price", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("renewal_amount", Integer, nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("renewal_date", Date, nullable=False),
    Column("purchase_method", String(20), nullable=False),
    Column("payment_method_id", String(64), nullable=True),
    Column("collection", String(20), nullable=False),
    Column("partner_csn", String(32), nullable=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
)

customer_snapshots = Table(
    "customer_snapshots",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("company_name", String(200), nullable=False),
    Column("line1", String(200), nullable=False),
    Column("line2", String(200), nullable=True),
    Column("city", String(100), nullable=False),
    Column("region", String(20), nullable=True),
    Column("postal_code", String(20), nullable=True),
    Column("country", String(2), nullable=False),
    Column("net_terms_days", Integer, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
)

# People of the company a partner may send a quote to without counting them (R-QUO-3).
company_contacts = Table(
    "company_contacts",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("email", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
)

# People of each account with their roles (account-contacts-changed): an automatic quote goes to
# the primary admins and contract managers (R-QUO-8).
account_contacts = Table(
    "account_contacts",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("contacts", Text, nullable=False),  # JSON list of {email, name, roles}
    Column("occurred_at", UtcDateTime(), nullable=False),
)

# One row per renewal quoted automatically: the key that makes it never twice (R-QUO-8), and
# safe with N replicas (a second insert of the same renewal fails).
automatic_quote_renewals = Table(
    "automatic_quote_renewals",
    metadata,
    Column("renewal_id", String(36), primary_key=True),
    Column("subscription_id", String(64), nullable=False),
    Column("quote_id", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# --- data-driven price list and promotions (R-QUO-7) -------------------------------------------
offers = Table(
    "offers",
    metadata,
    Column("product_code", String(64), primary_key=True),
    Column("term", String(20), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("product_name", String(200), nullable=False),
    Column("unit_price", Integer, nullable=False),
)

promotions = Table(
    "promotions",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("description", String(200), nullable=False),
    Column("percent_off", String(12), nullable=False),
    Column("product_code", String(64), nullable=True),
    Column("term", String(20), nullable=True),
    Column("line_kind", String(20), nullable=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("active", Boolean, nullable=False),
)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(QuoteLine, quote_lines)
    mapper_registry.map_imperatively(
        Quote,
        quotes,
        properties={
            "lines": relationship(
                QuoteLine,
                lazy="selectin",
                order_by=quote_lines.c.position,
                cascade="all, delete-orphan",
            )
        },
        version_id_col=quotes.c.version,  # two concurrent changes: the second one fails
    )
    mapper_registry.map_imperatively(SubscriptionSnapshot, subscription_snapshots)
    mapper_registry.map_imperatively(CustomerSnapshot, customer_snapshots)


start_mappers()
