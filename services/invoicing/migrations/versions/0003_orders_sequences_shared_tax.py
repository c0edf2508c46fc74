"""Orders (R-INV-4); one gapless counter per account and document kind; tax from the shared
table in shared/tax.py (the tax_rates table is dropped: one source, R-INV-5); line position,
discount and kind; invoice credit, refund and cancellation; customer address line 2, tax id.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_sequences",
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("csn", "kind"),
    )
    op.execute(
        "INSERT INTO document_sequences (csn, kind, last_number) "
        "SELECT csn, 'invoice', last_number FROM invoice_sequences"
    )
    op.drop_table("invoice_sequences")
    op.drop_table("tax_rates")
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "new",
                "renewal",
                "manual_renewal",
                "seats_added",
                "quote",
                name="order_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column("payment_method_id", sa.String(length=64), nullable=True),
        sa.Column("placed_by", sa.String(length=200), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bill_to", sa.Text(), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_index("ix_orders_csn_placed", "orders", ["csn", "placed_at"], unique=False)
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("address_line2", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("tax_id", sa.String(length=40), nullable=True))
        batch.alter_column("postal_code", existing_type=sa.String(length=20), nullable=True)
    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("discount", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch.create_index("ix_invoice_lines_renewal_id", ["renewal_id"], unique=False)
    # Invoices issued so far had one renewal line each.
    op.execute(
        "UPDATE invoice_lines SET position = 1, kind = 'renewal' WHERE renewal_id IS NOT NULL"
    )
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("order_id", sa.String(length=36), nullable=True))
        batch.add_column(
            sa.Column("amount_credited", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("amount_refunded", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancellation_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        for column in (
            "cancellation_reason",
            "cancelled_at",
            "amount_refunded",
            "amount_credited",
            "order_id",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_index("ix_invoice_lines_renewal_id")
        for column in ("kind", "discount", "position"):
            batch.drop_column(column)
    with op.batch_alter_table("customers") as batch:
        batch.alter_column("postal_code", existing_type=sa.String(length=20), nullable=False)
        batch.drop_column("tax_id")
        batch.drop_column("address_line2")
    op.drop_index("ix_orders_csn_placed", table_name="orders")
    op.drop_table("orders")
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("rate", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("country", "region", name="uq_tax_rates_country_region"),
    )
    op.create_table(
        "invoice_sequences",
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("csn"),
    )
    op.execute(
        "INSERT INTO invoice_sequences (csn, last_number) "
        "SELECT csn, last_number FROM document_sequences WHERE kind = 'invoice'"
    )
    op.drop_table("document_sequences")
