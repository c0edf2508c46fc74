"""subscriptions.renewal_requested_at: when the sweep asked for the pending term's invoice, so
that a request left unanswered (a lost message) is asked again (reconciliation)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "subscriptions",
        sa.Column("renewal_requested_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("subscriptions", "renewal_requested_at")
