"""quotes with lines, totals and life cycle; projections of subscriptions and customers;
company contacts; price list and promotions tables

The foundation's `quotes` header table was never written to (nothing created quotes), so it is
replaced rather than altered column by column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:55:18.883165
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT count(*) FROM quotes")).scalar():
        raise RuntimeError("quotes already holds rows; this migration expects the empty header")
    op.drop_index(op.f("ix_quotes_csn"), table_name="quotes")
    op.drop_table("quotes")
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column(
            "origin", _enum("quote_origin", "partner", "self_service", "automatic"), nullable=False
        ),
        sa.Column(
            "status",
            _enum("quote_status", "draft", "sent", "accepted", "expired", "cancelled"),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("purchase_method", sa.String(length=20), nullable=False),
        sa.Column("partner_csn", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("billing_address", sa.Text(), nullable=True),
        sa.Column("tax_rate", sa.String(length=12), nullable=False),
        sa.Column("tax_name", sa.String(length=100), nullable=False),
        sa.Column("subtotal", sa.Integer(), nullable=False),
        sa.Column("discount_total", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("priced_on", sa.Date(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=200), nullable=True),
        sa.Column("payment_method_id", sa.String(length=64), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_quotes_number"),
    )
    op.create_index(op.f("ix_quotes_csn"), "quotes", ["csn"], unique=False)
    op.create_index("ix_quotes_status_expires", "quotes", ["status", "expires_on"], unique=False)
    op.create_table(
        "quote_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("quote_line_kind", "renewal", "new", "coterm"), nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=True),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=20), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("list_amount", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("promotions", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_quote_lines_quote_id"), "quote_lines", ["quote_id"], unique=False)
    op.create_index(
        op.f("ix_quote_lines_subscription_id"), "quote_lines", ["subscription_id"], unique=False
    )
    op.create_table(
        "quote_sequences",
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("csn"),
    )
    op.create_table(
        "subscription_snapshots",
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("contract_id", sa.String(length=64), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_at_renewal", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=20), nullable=False),
        sa.Column("term_at_renewal", sa.String(length=20), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("renewal_amount", sa.Integer(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("purchase_method", sa.String(length=20), nullable=False),
        sa.Column("payment_method_id", sa.String(length=64), nullable=True),
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column("partner_csn", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    op.create_index(
        op.f("ix_subscription_snapshots_csn"), "subscription_snapshots", ["csn"], unique=False
    )
    op.create_table(
        "customer_snapshots",
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("net_terms_days", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("csn"),
    )
    op.create_table(
        "company_contacts",
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("csn", "email"),
    )
    op.create_table(
        "offers",
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("term", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("product_code", "term", "currency"),
    )
    op.create_table(
        "promotions",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("percent_off", sa.String(length=12), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("term", sa.String(length=20), nullable=True),
        sa.Column("line_kind", sa.String(length=20), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )


def downgrade() -> None:
    for table in (
        "promotions",
        "offers",
        "company_contacts",
        "customer_snapshots",
        "subscription_snapshots",
        "quote_sequences",
        "quote_lines",
        "quotes",
    ):
        op.drop_table(table)
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("partner_csn", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_quotes_csn"), "quotes", ["csn"], unique=False)
