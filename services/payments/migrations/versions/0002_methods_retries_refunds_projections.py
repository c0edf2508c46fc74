"""payment methods CRUD, charge lifecycle (processing, retries), refunds, projections

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:53:12.459617
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _str_enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=30)


def upgrade() -> None:
    op.create_table(
        "invoice_views",
        sa.Column("invoice_id", sa.String(length=64), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("amount_due", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("collection", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("renewal_keys", sa.Text(), nullable=False),
        sa.Column("subscription_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id"),
    )
    op.create_index("ix_invoice_views_csn_status", "invoice_views", ["csn", "status"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("invoice_id", sa.String(length=64), nullable=False),
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("credit_note_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            _str_enum("refund_status", "pending", "processing", "succeeded", "failed"),
            nullable=False,
        ),
        sa.Column("provider_refund_id", sa.String(length=200), nullable=True),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.String(length=500), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correlation_id", sa.String(length=200), nullable=True),
        sa.Column("causation_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index(op.f("ix_refunds_charge_id"), "refunds", ["charge_id"])
    op.create_index("ix_refunds_csn_invoice", "refunds", ["csn", "invoice_id"])
    op.create_index("ix_refunds_status_updated", "refunds", ["status", "updated_at"])
    op.create_table(
        "subscription_views",
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("collection", sa.String(length=30), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("renewal_amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method_id", sa.String(length=64), nullable=True),
        sa.Column("payment_error", sa.String(length=64), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    op.create_index(op.f("ix_subscription_views_csn"), "subscription_views", ["csn"])
    op.create_index(
        op.f("ix_subscription_views_payment_method_id"), "subscription_views", ["payment_method_id"]
    )
    with op.batch_alter_table("charges") as batch:
        batch.add_column(
            sa.Column(
                "origin",
                _str_enum("charge_origin", "automatic", "payment_request"),
                nullable=False,
                server_default="automatic",
            )
        )
        batch.add_column(sa.Column("payment_request_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_charges_invoice", ["invoice_id"])
        batch.create_index("ix_charges_retry_at", ["retry_at"])
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("create_key", sa.String(length=200), nullable=True))
        batch.alter_column("last4", existing_type=sa.VARCHAR(length=4), nullable=True)
        batch.create_unique_constraint("uq_payment_methods_create_key", ["csn", "create_key"])
    # The PayPal-like kind is called "wallet", as in the payment-method-changed contract.
    op.execute("UPDATE payment_methods SET kind = 'wallet' WHERE kind = 'paypal'")


def downgrade() -> None:
    op.execute("UPDATE payment_methods SET kind = 'paypal' WHERE kind = 'wallet'")
    with op.batch_alter_table("payment_methods") as batch:
        batch.drop_constraint("uq_payment_methods_create_key", type_="unique")
        batch.alter_column("last4", existing_type=sa.VARCHAR(length=4), nullable=False)
        batch.drop_column("create_key")
        batch.drop_column("updated_at")
        batch.drop_column("created_at")
    with op.batch_alter_table("charges") as batch:
        batch.drop_index("ix_charges_retry_at")
        batch.drop_index("ix_charges_invoice")
        batch.drop_column("settled_at")
        batch.drop_column("retry_at")
        batch.drop_column("lease_until")
        batch.drop_column("payment_request_id")
        batch.drop_column("origin")
    op.drop_table("subscription_views")
    op.drop_table("refunds")
    op.drop_table("invoice_views")
