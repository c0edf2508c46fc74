"""Tables of the subscriptions service, mapped onto the domain classes (imperative mapping)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, Integer, MetaData, String, Table
from sqlalchemy.orm import registry

from services.subscriptions.domain.model import (
    PaymentMethodKind,
    PurchaseMethod,
    Status,
    Subscription,
    Team,
    Term,
)
from shared.db import str_enum
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
    Column(
        "payment_method_kind", str_enum(PaymentMethodKind, "payment_method_kind"), nullable=True
    ),
    Column("partner_csn", String(32), nullable=True),
    Column("assigned_to", String(200), nullable=True),
    Column("renewal_pending_for", Date, nullable=True),
    Column("payment_error", String(200), nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_subscriptions_csn_renewal", "csn", "renewal_date"),
    Index("ix_subscriptions_due", "status", "auto_renew", "renewal_date"),
)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Team, teams)
    mapper_registry.map_imperatively(
        Subscription,
        subscriptions,
        version_id_col=subscriptions.c.version,
        version_id_generator=False,
    )


start_mappers()
