"""Tables of the invoicing service, mapped onto the domain classes."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry, relationship

from services.invoicing.domain.model import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    TaxRate,
)
from shared.db import str_enum
from shared.messaging.tables import define_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = define_messaging_tables(metadata)

customers = Table(
    "customers",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("company_name", String(200), nullable=False),
    Column("address_line1", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("region", String(20), nullable=True),
    Column("country", String(2), nullable=False),
    Column("net_terms_days", Integer, nullable=False),
)

tax_rates = Table(
    "tax_rates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("country", String(2), nullable=False),
    Column("region", String(20), nullable=True),
    Column("rate", String(12), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("country", "region", name="uq_tax_rates_country_region"),
)

invoice_sequences = Table(
    "invoice_sequences",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("number", String(50), nullable=False, unique=True),
    Column(
        "status",
        str_enum(InvoiceStatus, "invoice_status", length=20),
        nullable=False,
    ),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("amount_paid", Integer, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("collection", String(20), nullable=False),
    Column("source_key", String(200), nullable=False, unique=True),
    Column("bill_to", Text, nullable=False),
    Column("tax_name", String(100), nullable=False),
    Column("payment_method_id", String(64), nullable=True),
    Column("last_payment_error", String(200), nullable=True),
    Column("paid_at", DateTime(timezone=True), nullable=True),
    Index("ix_invoices_csn_issue", "csn", "issue_date"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False, index=True),
    Column("description", String(300), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_amount", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax_rate", String(12), nullable=False),
    Column("tax_amount", Integer, nullable=False),
    Column("subscription_id", String(64), nullable=True),
    Column("renewal_id", String(36), nullable=True),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
)

invoice_payments = Table(
    "invoice_payments",
    metadata,
    # One charge is applied to an invoice at most once.
    Column("charge_id", String(64), primary_key=True),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False, index=True),
    Column("amount", Integer, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Customer, customers)
    mapper_registry.map_imperatively(TaxRate, tax_rates)
    mapper_registry.map_imperatively(InvoiceLine, invoice_lines)
    mapper_registry.map_imperatively(InvoicePayment, invoice_payments)
    mapper_registry.map_imperatively(
        Invoice,
        invoices,
        properties={
            "lines": relationship(InvoiceLine, lazy="selectin", order_by=invoice_lines.c.id),
            "payments": relationship(InvoicePayment, lazy="selectin"),
        },
    )


start_mappers()
