"""Sales tax / VAT rates by billing address (R-INV-5): pure data and arithmetic, one home.

Invoicing is authoritative (it stores the rate it applied on every line); quotes use the same
table to show an estimate. Rates are standard rates as published by each tax authority
(2025); US rows are state level, except New York, which carries the New York City combined
rate (state 4% + city 4.5% + MCTD 0.375%). Tax is computed per line, half up to the minor
unit; a document's tax is the sum of its lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.money import Money


@dataclass(frozen=True)
class TaxRule:
    country: str
    region: str | None  # None: the whole country
    rate: Decimal
    name: str


RATES: tuple[TaxRule, ...] = tuple(
    TaxRule(c, r, Decimal(rate), name)
    for c, r, rate, name in (
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
    )
)
NO_TAX = TaxRule("", None, Decimal(0), "No tax rule for this address")


def rule_for(country: str, region: str | None) -> TaxRule:
    """The most specific rule: country+region, else country-wide, else no tax."""
    by_key = {(r.country, r.region): r for r in RATES}
    return by_key.get((country, region)) or by_key.get((country, None)) or NO_TAX


def line_tax(amount: Money, rate: Decimal) -> Money:
    """Tax of one line, rounded half up to the minor unit."""
    return amount.times_rate(rate)
