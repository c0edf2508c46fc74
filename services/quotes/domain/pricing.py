"""Prices on a quote: the price list for new purchases, promotions applied by rule (R-QUO-7)
and the tax estimate from the billing address (R-INV-5). Pure data and arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.quotes.domain.model import Address, AppliedPromotion, Quote
from shared.money import Money
from shared.tax import line_tax, rule_for


@dataclass(frozen=True)
class Offer:
    """One row of the price list: a product sold for a term in a currency (new and co-term
    lines; renewals keep the subscription's own price)."""

    product_code: str
    product_name: str
    term: str
    currency: str
    unit_price: int


@dataclass(frozen=True)
class Promotion:
    """One row of the promotions table (R-QUO-7). Every condition left empty matches anything;
    `valid_from`/`valid_until` are inclusive."""

    code: str
    description: str
    percent_off: Decimal  # fraction, e.g. 0.10
    product_code: str | None = None
    term: str | None = None
    line_kind: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_to(self, product_code: str, term: str, kind: str, on: date) -> bool:
        return (
            (self.product_code is None or self.product_code == product_code)
            and (self.term is None or self.term == term)
            and (self.line_kind is None or self.line_kind == kind)
            and (self.valid_from is None or self.valid_from <= on)
            and (self.valid_until is None or on <= self.valid_until)
        )


def apply_promotions(
    amount: Money,
    promotions: list[Promotion],
    *,
    product_code: str,
    term: str,
    kind: str,
    on: date,
) -> list[AppliedPromotion]:
    """Every promotion whose rule matches applies once, in code order, each on what the previous
    ones left; each discount is rounded half up to the minor unit (R-QUO-7)."""
    applied: list[AppliedPromotion] = []
    remaining = amount
    for promo in sorted(promotions, key=lambda p: p.code):
        if not promo.applies_to(product_code, term, kind, on):
            continue
        off = remaining.times_rate(promo.percent_off)
        if off.amount <= 0:
            continue
        remaining = remaining - off
        applied.append(AppliedPromotion(promo.code, promo.description, off.amount))
    return applied


@dataclass(frozen=True)
class TaxEstimate:
    rate: Decimal
    name: str


NO_ADDRESS = TaxEstimate(Decimal(0), "No billing address on file: tax not estimated")


def tax_estimate(address: Address | None) -> TaxEstimate:
    """The invoice computes the final tax; the quote shows the same table's estimate."""
    if address is None:
        return NO_ADDRESS
    rule = rule_for(address.country, address.region)
    return TaxEstimate(rule.rate, rule.name)


def estimate_tax(quote: Quote) -> None:
    """Tax per line on the net amount, from the quote's billing address, half up (R-INV-5)."""
    estimate = tax_estimate(quote.billing_address)
    quote.apply_tax(
        str(estimate.rate),
        estimate.name,
        [
            line_tax(Money(line.amount, quote.currency), estimate.rate).amount
            for line in quote.lines
        ],
    )
