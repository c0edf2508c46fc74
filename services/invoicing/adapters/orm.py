"""Tables of the invoicing service, mapped onto the domain classes."""

from __future__ import annotations

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
)
from sqlalchemy.orm import registry, relationship

from services.invoicing.domain.credit_note import CreditApplication, CreditNote, CreditNoteLine
from services.invoicing.domain.model import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
)
from services.invoicing.domain.order import Order, OrderKind
from services.invoicing.domain.payment_request import PaymentRequest, PaymentRequestStatus
from shared.db import str_enum
from shared.db_types import UtcDateTime
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
    Column("postal_code", String(20), nullable=True),
    Column("region", String(20), nullable=True),
    Column("country", String(2), nullable=False),
    Column("net_terms_days", Integer, nullable=False),
    Column("address_line2", String(200), nullable=True),
    Column("tax_id", String(40), nullable=True),
)

# Gapless numbers per account and kind of document (invoice, credit note, order): the
# counter moves inside the document's own transaction (R-INV-1).
document_sequences = Table(
    "document_sequences",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("kind", String(20), primary_key=True),
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
    Column("paid_at", UtcDateTime(), nullable=True),
    Column("order_id", String(36), nullable=True),
    Column("amount_credited", Integer, nullable=False, server_default="0"),
    Column("amount_refunded", Integer, nullable=False, server_default="0"),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancellation_reason", String(300), nullable=True),
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
    Column("renewal_id", String(36), nullable=True, index=True),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("discount", Integer, nullable=False, server_default="0"),
    Column("kind", String(20), nullable=True),
)

invoice_payments = Table(
    "invoice_payments",
    metadata,
    # One charge is applied to an invoice at most once.
    Column("charge_id", String(64), primary_key=True),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False, index=True),
    Column("amount", Integer, nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("number", String(50), nullable=False, unique=True),
    Column("kind", str_enum(OrderKind, "order_kind", length=20), nullable=False),
    Column("source_key", String(200), nullable=False, unique=True),
    Column("reference", String(200), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("collection", String(20), nullable=False),
    Column("payment_method_id", String(64), nullable=True),
    Column("placed_by", String(200), nullable=True),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("bill_to", Text, nullable=False),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False, unique=True),
    Index("ix_orders_csn_placed", "csn", "placed_at"),
)

payment_requests = Table(
    "payment_requests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False, index=True),
    Column("csn", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("payment_method_id", String(64), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column(
        "status",
        str_enum(PaymentRequestStatus, "payment_request_status", length=20),
        nullable=False,
    ),
    Column("charge_id", String(64), nullable=True),
    Column("failure_reason", String(200), nullable=True),
    Column("settled_at", UtcDateTime(), nullable=True),
)

credit_notes = Table(
    "credit_notes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("csn", String(32), nullable=False),
    Column("number", String(50), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=True, index=True),
    Column("invoice_number", String(50), nullable=True),
    Column("refund", Boolean, nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("amount_applied", Integer, nullable=False),
    Column("amount_refunded", Integer, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("issued_by", String(200), nullable=False),
    Column("bill_to", Text, nullable=False),
    Column("tax_name", String(100), nullable=False),
    Column("source_key", String(200), nullable=True, unique=True),
    Index("ix_credit_notes_csn_issued", "csn", "issued_at"),
)

credit_note_lines = Table(
    "credit_note_lines",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("credit_note_id", String(36), ForeignKey("credit_notes.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("description", String(300), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax_rate", String(12), nullable=False),
    Column("tax_amount", Integer, nullable=False),
)

credit_applications = Table(
    "credit_applications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("credit_note_id", String(36), ForeignKey("credit_notes.id"), nullable=False, index=True),
    Column("invoice_id", String(36), ForeignKey("invoices.id"), nullable=False, index=True),
    Column("invoice_number", String(50), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
    Column("applied_by", String(200), nullable=False),
)


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Customer, customers)
    mapper_registry.map_imperatively(Order, orders)
    mapper_registry.map_imperatively(PaymentRequest, payment_requests)
    mapper_registry.map_imperatively(CreditNoteLine, credit_note_lines)
    mapper_registry.map_imperatively(CreditApplication, credit_applications)
    mapper_registry.map_imperatively(
        CreditNote,
        credit_notes,
        properties={
            "lines": relationship(
                CreditNoteLine, lazy="selectin", order_by=credit_note_lines.c.position
            ),
            "applications": relationship(
                CreditApplication, lazy="selectin", order_by=credit_applications.c.applied_at
            ),
        },
    )
    mapper_registry.map_imperatively(InvoiceLine, invoice_lines)
    mapper_registry.map_imperatively(InvoicePayment, invoice_payments)
    mapper_registry.map_imperatively(
        Invoice,
        invoices,
        properties={
            "lines": relationship(InvoiceLine, lazy="selectin", order_by=invoice_lines.c.position),
            "payments": relationship(InvoicePayment, lazy="selectin"),
        },
    )


start_mappers()
