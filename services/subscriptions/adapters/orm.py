"""Tables of the subscriptions service, mapped onto the domain classes (imperative mapping)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.orm import registry

from services.subscriptions.domain.cart import RenewalCart
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import BillingAddressView, PaymentMethodView, Price, Team
from shared.db import str_enum
from shared.db_types import UtcDateTime
from shared.messaging.tables import define_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = define_messaging_tables(metadata)


teams = Table(
    "teams",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("name", String(200), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("contract_id", String(64), nullable=True),
    Column("product_code", String(64), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("term", str_enum(Term, "term"), nullable=False),
    Column("unit_price_amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("renewal_date", Date, nullable=False),
    Column("status", str_enum(Status, "subscription_status"), nullable=False),
    Column("purchase_method", str_enum(PurchaseMethod, "purchase_method"), nullable=False),
    Column("payment_method_id", String(64), nullable=True),
    Column("partner_csn", String(32), nullable=True),
    Column("assigned_to", String(200), nullable=True),
    Column("renewal_pending_for", Date, nullable=True),
    Column("payment_error", String(200), nullable=True),
    Column("pending_seats", Integer, nullable=True),
    Column("next_term", str_enum(Term, "term"), nullable=True),
    Column("next_unit_price_amount", Integer, nullable=True),
    Column("expired_on", Date, nullable=True),
    Column("last_paid_invoice_id", String(64), nullable=True),
    Column("renewal_requested_at", UtcDateTime(), nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_subscriptions_csn_renewal", "csn", "renewal_date"),
    Index("ix_subscriptions_csn_product", "csn", "product_code"),
    Index("ix_subscriptions_due", "status", "auto_renew", "renewal_date"),
)

# Projection of payments' saved methods (payment-method-changed): kind, recurring, valid.
payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("kind", str_enum(PaymentMethodKind, "payment_method_kind"), nullable=False),
    Column("label", String(200), nullable=False),
    Column("recurring", Boolean, nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version_at", String(40), nullable=False),
)

# Projection of invoicing's billing addresses (customer-changed), for the cart's tax estimate.
billing_addresses = Table(
    "billing_addresses",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("country", String(2), nullable=False),
    Column("region", String(10), nullable=True),
    Column("version_at", String(40), nullable=False),
)

# The catalogue: a missing (product, term, currency) row means "not sold there" (R-SUB-8).
prices = Table(
    "prices",
    metadata,
    Column("product_code", String(64), primary_key=True),
    Column("term", str_enum(Term, "term"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("unit_price_amount", Integer, nullable=False),
)

renewal_carts = Table(
    "renewal_carts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("purchase_method", str_enum(PurchaseMethod, "purchase_method"), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("subtotal_amount", Integer, nullable=False),
    Column("tax_amount", Integer, nullable=False),
    Column("tax_name", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payment_method_id", String(64), nullable=True),
    Column("collection", String(20), nullable=True),
    Column("ordered_at", UtcDateTime(), nullable=True),
    Column("version", Integer, nullable=False),
)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Team, teams)
    mapper_registry.map_imperatively(PaymentMethodView, payment_methods)
    mapper_registry.map_imperatively(BillingAddressView, billing_addresses)
    mapper_registry.map_imperatively(Price, prices)
    mapper_registry.map_imperatively(
        RenewalCart,
        renewal_carts,
        version_id_col=renewal_carts.c.version,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(
        Subscription,
        subscriptions,
        version_id_col=subscriptions.c.version,
        version_id_generator=False,
    )


start_mappers()
