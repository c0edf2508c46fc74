"""charges.traceparent: the trace of the invoice-issued (or payment request) that asked for a
charge, so that the charge processor (a periodic job) calls the provider and publishes
payment-succeeded / payment-failed in that trace (issue 15)

Revision ID: obs_charge_traceparent
Revises: obs_outbox_traceparent
Create Date: 2026-12-02 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "obs_charge_traceparent"
down_revision: str | None = "obs_outbox_traceparent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("charges", sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charges") as batch:
        batch.drop_column("traceparent")
