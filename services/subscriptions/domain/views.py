"""What this service knows of other services' data (projections) and its price catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from services.subscriptions.domain.values import PaymentMethodKind, Term


@dataclass(eq=False)
class PaymentMethodView:
    """What this service knows of a saved method, from payment-method-changed events."""

    id: str
    csn: str
    kind: PaymentMethodKind
    label: str
    recurring: bool
    valid: bool
    active: bool
    version_at: str  # occurred_at of the newest event applied (ISO text: orders correctly)

    def can_back_auto_renewal(self) -> bool:
        return self.active and self.valid and self.recurring and self.kind.recurring


@dataclass(eq=False)
class BillingAddressView:
    """The account's billing address, from customer-changed events: a tax estimate in the cart
    uses the same table and rounding as invoicing (shared/tax.py)."""

    csn: str
    country: str
    region: str | None
    version_at: str


@dataclass(eq=False)
class Team:
    id: str
    csn: str
    name: str


@dataclass(eq=False)
class Price:
    """The catalogue: one seat of a product for one term in one currency. A missing row means
    the term is not sold there (R-SUB-8: 'where the region allows it')."""

    product_code: str
    term: Term
    currency: str
    unit_price_amount: int
