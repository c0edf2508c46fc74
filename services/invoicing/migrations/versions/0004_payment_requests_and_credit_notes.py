"""Payment requests from the invoices tab (R-INV-2); credit notes, their lines and their
applications to invoices (R-INV-3).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("invoice_number", sa.String(length=50), nullable=True),
        sa.Column("refund", sa.Boolean(), nullable=False),
        sa.Column("subtotal", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("amount_applied", sa.Integer(), nullable=False),
        sa.Column("amount_refunded", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("bill_to", sa.Text(), nullable=False),
        sa.Column("tax_name", sa.String(length=100), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_index(
        "ix_credit_notes_csn_issued", "credit_notes", ["csn", "issued_at"], unique=False
    )
    op.create_index(
        op.f("ix_credit_notes_invoice_id"), "credit_notes", ["invoice_id"], unique=False
    )
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("csn", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("payment_method_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                name="payment_request_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("charge_id", sa.String(length=64), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_payment_requests_invoice_id"), "payment_requests", ["invoice_id"], unique=False
    )
    op.create_table(
        "credit_applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credit_note_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_number", sa.String(length=50), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_notes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_credit_applications_credit_note_id"),
        "credit_applications",
        ["credit_note_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_credit_applications_invoice_id"),
        "credit_applications",
        ["invoice_id"],
        unique=False,
    )
    op.create_table(
        "credit_note_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credit_note_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax_rate", sa.String(length=12), nullable=False),
        sa.Column("tax_amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_notes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_credit_note_lines_credit_note_id"),
        "credit_note_lines",
        ["credit_note_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_note_lines_credit_note_id"), table_name="credit_note_lines")
    op.drop_table("credit_note_lines")
    op.drop_index(op.f("ix_credit_applications_invoice_id"), table_name="credit_applications")
    op.drop_index(op.f("ix_credit_applications_credit_note_id"), table_name="credit_applications")
    op.drop_table("credit_applications")
    op.drop_index(op.f("ix_payment_requests_invoice_id"), table_name="payment_requests")
    op.drop_table("payment_requests")
    op.drop_index(op.f("ix_credit_notes_invoice_id"), table_name="credit_notes")
    op.drop_index("ix_credit_notes_csn_issued", table_name="credit_notes")
    op.drop_table("credit_notes")
