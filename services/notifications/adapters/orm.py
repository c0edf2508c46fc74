"""Tables of the notifications service: projections of the facts it tells people about, and
the sent-message log (one row per fact and recipient: the key of "exactly one e-mail")."""

from __future__ import annotations

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
)

from shared.db_types import UtcDateTime
from shared.messaging.tables import define_messaging_tables

metadata = MetaData()
messaging = define_messaging_tables(metadata)

# --- projections ---------------------------------------------------------------------------
account_contacts = Table(  # newest account-contacts-changed of each account
    "account_contacts",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("language", String(2), nullable=True),
    Column("contacts", Text, nullable=False),  # JSON list of {email, name, roles}
    Column("occurred_at", UtcDateTime(), nullable=False),
)

customers = Table(  # newest customer-changed: company name and billing country (language)
    "customers",
    metadata,
    Column("csn", String(32), primary_key=True),
    Column("company_name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
)

subscriptions = Table(  # newest subscription-changed: what renews manually, and when
    "subscriptions",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("product_name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("term", String(20), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("collection", String(20), nullable=False),
    Column("renewal_date", Date, nullable=False, index=True),
    Column("renewal_amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
)

payment_methods = Table(  # newest payment-method-changed: what expires, and when
    "payment_methods",
    metadata,
    Column("payment_method_id", String(64), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("exp_month", Integer, nullable=True),
    Column("exp_year", Integer, nullable=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
)

automatic_quotes = Table(  # renewals an automatic quote was sent for (named in the notices)
    "automatic_quotes",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("quote_number", String(40), nullable=False),
)

# --- the sent-message log --------------------------------------------------------------------
mail_messages = Table(
    "mail_messages",
    metadata,
    Column("id", String(36), primary_key=True),
    # "<fact>|<recipient>": inserting a second e-mail for one fact and person is a no-op (R-NOTE-5)
    Column("fact_key", String(400), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("csn", String(32), nullable=False, index=True),
    Column("recipient", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("attachment_invoice_id", String(64), nullable=True),
    Column("attachment_name", String(200), nullable=True),
    Column("status", String(20), nullable=False),  # pending, sent, parked
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Index("ix_mail_messages_due", "status", "next_attempt_at"),
)
