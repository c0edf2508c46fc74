"""payment_methods.announced_valid (cards that expire after their last snapshot are announced);
create_key dropped: Idempotency-Key is kept by shared/idempotency.py for every service

Revision ID: 0003
Revises: gw_idempotency_keys
Create Date: 2026-11-22 04:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "gw_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("announced_valid", sa.Boolean(), nullable=True))
        batch.drop_constraint("uq_payment_methods_create_key", type_="unique")
        batch.drop_column("create_key")
    # Existing methods were announced valid; an expired one gets announced again, at worst twice.
    op.execute("UPDATE payment_methods SET announced_valid = TRUE WHERE status = 'active'")


def downgrade() -> None:
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("create_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_payment_methods_create_key", ["csn", "create_key"])
        batch.drop_column("announced_valid")
