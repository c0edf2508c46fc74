"""Manual renewals (R-SUB-9..12): which chosen subscriptions can be renewed now and in which
group, a cart with prices and tax, and its checkout into one order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from services.subscriptions.domain.cart import RenewalCart, build_cart, renewal_group_key
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.rules import bulk_selection
from services.subscriptions.service_layer.changes import ItemOutcome
from services.subscriptions.service_layer.commands import (
    CheckOutRenewalCart,
    CreateRenewalCart,
    GroupRenewals,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.errors import DomainError, NotFound
from shared.tax import rule_for

NO_ADDRESS_TAX = "Tax is computed on the invoice from your billing address"


@dataclass
class RenewalGroups:
    groups: list[dict[str, Any]] = field(default_factory=list)
    ineligible: list[ItemOutcome] = field(default_factory=list)

    def add(self, key: tuple[str, str, str], members: list[Subscription]) -> None:
        csn, currency, purchase_method = key
        self.groups.append(
            {
                "csn": csn,
                "currency": currency,
                "purchase_method": purchase_method,
                "subscription_ids": [s.id for s in members],
                "subtotal": sum(s.next_renewal().amount.amount for s in members),
            }
        )


async def renewal_groups(cmd: GroupRenewals, uow: SubscriptionsUnitOfWork) -> RenewalGroups:
    """Which of the chosen subscriptions can be renewed now, grouped by CSN, currency and
    purchase method (R-SUB-11); the others with the reason."""
    ids = bulk_selection(cmd.subscription_ids)
    today = uow.clock.today()
    subs = await uow.subscriptions.many_for_update(cmd.csn, ids)
    groups: dict[tuple[str, str, str], list[Subscription]] = {}
    result = RenewalGroups()
    for sub_id in ids:
        sub = subs.get(sub_id)
        if sub is None:
            result.ineligible.append(ItemOutcome.not_found(sub_id))
            continue
        try:
            sub.check_manual_renewal(today)
        except DomainError as refusal:
            result.ineligible.append(ItemOutcome.refused(sub_id, refusal))
            continue
        groups.setdefault(renewal_group_key(sub), []).append(sub)
    for key, members in groups.items():
        result.add(key, members)
    await uow.rollback()  # read-only: release the row locks
    return result


async def create_cart(cmd: CreateRenewalCart, uow: SubscriptionsUnitOfWork) -> RenewalCart:
    """Put a renewal (one subscription, or one group of up to 100) in a cart with prices, tax
    and total (R-SUB-10, R-SUB-11). All-or-nothing: one refused subscription refuses the cart."""
    ids = bulk_selection(cmd.subscription_ids)
    subs = await uow.subscriptions.many_for_update(cmd.csn, ids)
    for sub_id in ids:
        if sub_id not in subs:
            raise NotFound("subscription", sub_id)
    address = await uow.subscriptions.address(cmd.csn)
    rule = rule_for(address.country, address.region) if address else rule_for("", None)
    cart = build_cart(
        str(uuid.uuid4()),
        [subs[i] for i in ids],
        uow.clock.today(),
        uow.clock.now(),
        cmd.created_by,
        rule.rate,
        rule.name if address else NO_ADDRESS_TAX,
    )
    uow.subscriptions.add(cart)
    await uow.commit()
    return cart


async def get_cart(csn: str, cart_id: str, uow: SubscriptionsUnitOfWork) -> RenewalCart:
    cart = await uow.subscriptions.cart(csn, cart_id)
    if cart is None:
        raise NotFound("cart", cart_id)
    return cart


async def checkout_cart(cmd: CheckOutRenewalCart, uow: SubscriptionsUnitOfWork) -> RenewalCart:
    """Complete the purchase: one order for the cart's group (R-SUB-11, R-SUB-12)."""
    cart = await uow.subscriptions.cart_for_update(cmd.csn, cmd.cart_id)
    if cart is None:
        raise NotFound("cart", cmd.cart_id)
    if cart.already_ordered_with(cmd.payment_method_id):
        return cart
    subs = await uow.subscriptions.many_for_update(cmd.csn, cart.subscription_ids)
    today = uow.clock.today()
    cart.check_still_valid(subs, today)
    method = None
    if cmd.payment_method_id is not None:
        method = await uow.subscriptions.method(cmd.payment_method_id)
        if method is None or method.csn != cmd.csn:
            raise NotFound("payment_method", cmd.payment_method_id)
    cart.place_order(subs, method, placed_by=cmd.placed_by, now=uow.clock.now(), today=today)
    await uow.commit()
    return cart
