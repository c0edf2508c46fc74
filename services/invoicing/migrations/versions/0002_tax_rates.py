"""Seed the tax rate table with real-world examples (R-INV-5).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Standard rates as published by each tax authority (2025); US rows are state level, except
# New York, which carries the New York City combined rate (state 4% + city 4.5% + MCTD 0.375%).
RATES = [
    ("DE", None, "0.19", "Umsatzsteuer 19%"),
    ("FR", None, "0.20", "TVA 20%"),
    ("GB", None, "0.20", "VAT 20%"),
    ("NL", None, "0.21", "BTW 21%"),
    ("IE", None, "0.23", "VAT 23%"),
    ("JP", None, "0.10", "Consumption tax 10%"),
    ("CA", "QC", "0.14975", "GST 5% + QST 9.975%"),
    ("US", "NY", "0.08875", "New York City sales tax 8.875%"),
    ("US", "CA", "0.0725", "California sales tax 7.25%"),
    ("US", "TX", "0.0625", "Texas sales tax 6.25%"),
    ("US", "OR", "0", "Oregon: no sales tax"),
]


def upgrade() -> None:
    table = sa.table(
        "tax_rates",
        sa.column("country", sa.String),
        sa.column("region", sa.String),
        sa.column("rate", sa.String),
        sa.column("name", sa.String),
    )
    op.bulk_insert(
        table, [dict(zip(("country", "region", "rate", "name"), r, strict=True)) for r in RATES]
    )


def downgrade() -> None:
    op.execute("DELETE FROM tax_rates")
