"""Seed the promotions table (R-QUO-7).

Promotions are data, not code: a row says what it discounts (product, term, line kind, any of
them left empty matches all) and when (inclusive dates, empty = open-ended). Marketing adds,
ends or deactivates rows; the quotes apply every matching active row automatically.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, description, percent off, product, term, line kind, valid from, valid until)
PROMOTIONS = [
    ("MULTIYEAR-10", "Three-year term: 10% off", "0.10", None, "three_year", None, None, None),
    (
        "CAD-LOYALTY-5",
        "CAD Pro loyalty renewal: 5% off",
        "0.05",
        "CAD-PRO",
        None,
        "renewal",
        date(2026, 1, 1),
        date(2027, 12, 31),
    ),
    (
        "RENDER-LAUNCH-20",
        "Render Cloud launch: 20% off new subscriptions",
        "0.20",
        "RENDER",
        None,
        "new",
        date(2026, 10, 1),
        date(2027, 3, 31),
    ),
    (
        "PDM-SPRING-15",
        "Product Data Manager spring offer: 15% off",
        "0.15",
        "PDM",
        None,
        None,
        date(2026, 3, 1),
        date(2026, 5, 31),
    ),
]


def upgrade() -> None:
    promotions = sa.table(
        "promotions",
        sa.column("code", sa.String),
        sa.column("description", sa.String),
        sa.column("percent_off", sa.String),
        sa.column("product_code", sa.String),
        sa.column("term", sa.String),
        sa.column("line_kind", sa.String),
        sa.column("valid_from", sa.Date),
        sa.column("valid_until", sa.Date),
        sa.column("active", sa.Boolean),
    )
    keys = (
        "code",
        "description",
        "percent_off",
        "product_code",
        "term",
        "line_kind",
        "valid_from",
        "valid_until",
    )
    op.bulk_insert(
        promotions, [{**dict(zip(keys, row, strict=True)), "active": True} for row in PROMOTIONS]
    )


def downgrade() -> None:
    op.execute("DELETE FROM promotions")
