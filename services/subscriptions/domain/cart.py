"""Manual renewals (R-SUB-9..12): the renewal cart, from selection to order. All lines share
one CSN, currency and purchase method (R-SUB-11); checking out places one order and holds
each term so that the sweep does not renew it too; the dates move only once it is paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.subscriptions.domain import events
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.rules import BULK_LIMIT
from services.subscriptions.domain.values import PurchaseMethod, Renewal, RenewalNotAllowed
from services.subscriptions.domain.views import PaymentMethodView
from shared.aggregate import Aggregate
from shared.errors import DomainError
from shared.money import Money
from shared.tax import line_tax


class CartStatus(StrEnum):
    OPEN = "open"
    ORDERED = "ordered"


def renewal_group_key(sub: Subscription) -> tuple[str, str, str]:
    """Bulk renewals are grouped by CSN, currency and purchase method (R-SUB-11)."""
    return (sub.csn, sub.currency, sub.purchase_method.value)


@dataclass(eq=False)
class RenewalCart(Aggregate):
    """A manual renewal before purchase (R-SUB-10): what each line costs, the tax and the total.
    Lines are a snapshot (JSON) so the customer buys exactly what they reviewed."""

    id: str
    csn: str
    currency: str
    purchase_method: PurchaseMethod
    created_by: str
    created_at: datetime
    lines: list[dict[str, Any]]
    subtotal_amount: int
    tax_amount: int
    tax_name: str
    status: str = CartStatus.OPEN.value
    payment_method_id: str | None = None
    collection: str | None = None
    ordered_at: datetime | None = None
    version: int = 1

    @property
    def total_amount(self) -> int:
        return self.subtotal_amount + self.tax_amount

    @property
    def subscription_ids(self) -> list[str]:
        return [line["subscription_id"] for line in self.lines]

    def already_ordered_with(self, payment_method_id: str | None) -> bool:
        """A repeated checkout returns the order already placed."""
        return self.status == CartStatus.ORDERED and payment_method_id == self.payment_method_id

    def check_still_valid(self, subs: dict[str, Subscription], today: date) -> None:
        """At checkout the customer buys exactly what the cart showed, or nothing."""
        if self.status != CartStatus.OPEN:
            raise RenewalNotAllowed(
                "cart_already_ordered", "This cart was already ordered; see your order history."
            )
        for line in self.lines:
            sub = subs.get(line["subscription_id"])
            if sub is None:
                raise RenewalNotAllowed(
                    "cart_out_of_date", "A subscription left this cart; start again."
                )
            sub.check_manual_renewal(today)
            renewal = sub.next_renewal()
            if (
                renewal.period_start.isoformat() != line["period_start"]
                or renewal.seats != line["seats"]
                or renewal.term.value != line["term"]
                or renewal.unit_price.amount != line["unit_price"]
            ):
                raise RenewalNotAllowed(
                    "cart_out_of_date",
                    f"{sub.product_name} changed since this cart was made; create a new cart.",
                )

    def place_order(
        self,
        subs: dict[str, Subscription],
        method: PaymentMethodView | None,
        *,
        placed_by: str,
        now: datetime,
        today: date,
    ) -> None:
        """Complete the purchase: one order for the cart's group (R-SUB-11). A card or wallet
        is charged now; a manual-only method (or none) gets an invoice on the account's terms.
        Each term is held; its date moves once the invoice is paid (R-SUB-12)."""
        self.check_still_valid(subs, today)
        if method is not None and (not method.active or not method.valid):
            raise DomainError(
                "payment_method_invalid",
                f"{method.label} can't be used (expired or deleted); choose another method.",
            )
        for sub_id in self.subscription_ids:
            subs[sub_id].hold_for_order(subs[sub_id].renewal_date)
        automatic = method is not None and method.can_back_auto_renewal()
        self.status = CartStatus.ORDERED.value
        self.payment_method_id = None if method is None else method.id
        self.collection = "automatic" if automatic else "manual"
        self.ordered_at = now
        self.version += 1
        self.record(events.RenewalOrderPlaced(placed_by))


def cart_line(sub: Subscription, renewal: Renewal, tax: Money) -> dict[str, Any]:
    return {
        "subscription_id": sub.id,
        "renewal_id": str(renewal.renewal_id),
        "team_id": sub.team_id,
        "product_code": sub.product_code,
        "product_name": sub.product_name,
        "seats": renewal.seats,
        "term": renewal.term.value,
        "unit_price": renewal.unit_price.amount,
        "amount": renewal.amount.amount,
        "tax": tax.amount,
        "period_start": renewal.period_start.isoformat(),
        "period_end": renewal.period_end.isoformat(),
    }


def build_cart(
    cart_id: str,
    subs: list[Subscription],
    today: date,
    now: datetime,
    created_by: str,
    tax_rate: Decimal,
    tax_name: str,
) -> RenewalCart:
    """Every subscription must be renewable manually now and all in one group (R-SUB-11);
    tax per line, half up, as invoicing computes it (R-INV-5)."""
    if not subs:
        raise DomainError("cart_empty", "Choose at least one subscription to renew.", status=422)
    if len(subs) > BULK_LIMIT:
        raise DomainError(
            "too_many_items",
            f"Renew at most {BULK_LIMIT} subscriptions at once (R-SUB-11); split the selection.",
            status=422,
        )
    if len({renewal_group_key(s) for s in subs}) > 1:
        raise RenewalNotAllowed(
            "mixed_renewal_groups",
            "One order renews one group of the same CSN, currency and purchase method"
            " (R-SUB-11); ask for the groups and renew them one at a time.",
        )
    lines = []
    for sub in subs:
        sub.check_manual_renewal(today)
        renewal = sub.next_renewal()
        lines.append(cart_line(sub, renewal, line_tax(renewal.amount, tax_rate)))
    first = subs[0]
    return RenewalCart(
        id=cart_id,
        csn=first.csn,
        currency=first.currency,
        purchase_method=first.purchase_method,
        created_by=created_by,
        created_at=now,
        lines=lines,
        subtotal_amount=sum(line["amount"] for line in lines),
        tax_amount=sum(line["tax"] for line in lines),
        tax_name=tax_name,
    )
