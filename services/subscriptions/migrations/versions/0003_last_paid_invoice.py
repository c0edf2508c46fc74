"""subscriptions.last_paid_invoice_id: a payment failure of an invoice already paid is stale

Revision ID: 0003
Revises: gw_idempotency_keys
Create Date: 2026-12-01 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "gw_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "subscriptions", sa.Column("last_paid_invoice_id", sa.String(length=64), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("subscriptions", "last_paid_invoice_id")
