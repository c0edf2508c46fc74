"""Changes a customer makes to subscriptions: auto-renew (R-SUB-4, R-SUB-5), the payment
method (R-PAY-1), the term (R-SUB-8) and seats (R-SEAT-1..3). Each handler takes an entered
unit of work and commits; the aggregates record what to publish."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.rules import bulk_selection
from services.subscriptions.domain.values import SeatChange
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.commands import (
    ChangeSeats,
    ChangeTerm,
    LinkPaymentMethod,
    SetAutoRenew,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.errors import DomainError, NotFound
from shared.money import Money


@dataclass
class ItemOutcome:
    subscription_id: str
    outcome: str  # changed | unchanged | refused | not_found
    code: str | None = None
    message: str | None = None

    @classmethod
    def not_found(cls, subscription_id: str) -> ItemOutcome:
        return cls(
            subscription_id,
            "not_found",
            "subscription_not_found",
            f"No subscription {subscription_id} in this account.",
        )

    @classmethod
    def refused(cls, subscription_id: str, refusal: DomainError) -> ItemOutcome:
        return cls(subscription_id, "refused", refusal.code, refusal.message)


def each_on_its_own(
    ids: list[str], subs: dict[str, Subscription], change: Callable[[Subscription], bool]
) -> list[ItemOutcome]:
    """Bulk: each item stands alone; the ones that break a rule are reported with their code,
    the others change (see README, bulk operations)."""
    outcomes = []
    for sub_id in ids:
        sub = subs.get(sub_id)
        if sub is None:
            outcomes.append(ItemOutcome.not_found(sub_id))
            continue
        try:
            changed = change(sub)
        except DomainError as refusal:
            outcomes.append(ItemOutcome.refused(sub_id, refusal))
            continue
        outcomes.append(ItemOutcome(sub_id, "changed" if changed else "unchanged"))
    return outcomes


async def set_auto_renew(cmd: SetAutoRenew, uow: SubscriptionsUnitOfWork) -> list[ItemOutcome]:
    """Auto-renew on/off for one or up to 100 subscriptions (R-SUB-4)."""
    ids = bulk_selection(cmd.subscription_ids)
    subs = await uow.subscriptions.many_for_update(cmd.csn, ids)
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs.values() if s.payment_method_id]
    )
    batch_id = uuid.uuid4() if len(ids) > 1 else None
    outcomes = each_on_its_own(
        ids,
        subs,
        lambda sub: sub.set_auto_renew(
            cmd.auto_renew,
            methods.get(sub.payment_method_id or ""),
            changed_by=cmd.changed_by,
            batch_id=batch_id,
        ),
    )
    await uow.commit()
    return outcomes


async def _method_of_account(
    uow: SubscriptionsUnitOfWork, csn: str, method_id: str
) -> PaymentMethodView:
    method = await uow.subscriptions.method(method_id)
    if method is None or method.csn != csn:
        raise NotFound("payment_method", method_id)
    return method


async def link_payment_method(
    cmd: LinkPaymentMethod, uow: SubscriptionsUnitOfWork
) -> list[ItemOutcome]:
    """Pay one or several subscriptions with one saved method (R-PAY-1); a manual-only kind
    never backs an auto-renewal (R-SUB-9)."""
    ids = bulk_selection(cmd.subscription_ids)
    method = await _method_of_account(uow, cmd.csn, cmd.payment_method_id)
    subs = await uow.subscriptions.many_for_update(cmd.csn, ids)
    outcomes = each_on_its_own(ids, subs, lambda sub: sub.link_payment_method(method))
    await uow.commit()
    return outcomes


async def _one(uow: SubscriptionsUnitOfWork, csn: str, sub_id: str) -> Subscription:
    subs = await uow.subscriptions.many_for_update(csn, [sub_id])
    if sub_id not in subs:
        raise NotFound("subscription", sub_id)
    return subs[sub_id]


async def change_term(cmd: ChangeTerm, uow: SubscriptionsUnitOfWork) -> Subscription:
    """A new term from the next renewal, at the new term's catalogue price (R-SUB-8)."""
    sub = await _one(uow, cmd.csn, cmd.subscription_id)
    price = await uow.subscriptions.price(sub.product_code, cmd.term, sub.currency)
    sub.change_term(
        cmd.term, None if price is None else Money(price.unit_price_amount, price.currency)
    )
    await uow.commit()
    return sub


@dataclass(frozen=True)
class SeatsResult:
    """Read before a preview's rollback: the method it would be charged to, and the charge."""

    change: SeatChange
    currency: str
    payment_method_id: str | None

    @property
    def prorated_amount(self) -> int | None:
        return None if self.change.prorated is None else self.change.prorated.amount


async def change_seats(cmd: ChangeSeats, uow: SubscriptionsUnitOfWork) -> SeatsResult:
    """Add seats (charged now to the stored method, pro rata, R-SEAT-2; optionally after
    changing the method) or reduce them at renewal (R-SEAT-3). Only for auto-renew online
    subscriptions (R-SEAT-1); only contract managers (R-ROLE-3, enforced by the gateway)."""
    sub = await _one(uow, cmd.csn, cmd.subscription_id)
    if cmd.payment_method_id is not None and cmd.payment_method_id != sub.payment_method_id:
        sub.link_payment_method(await _method_of_account(uow, cmd.csn, cmd.payment_method_id))
    change = sub.order_seats(
        cmd.seats,
        uow.clock.today(),
        await uow.subscriptions.method(sub.payment_method_id),
        placed_by=cmd.placed_by,
        order_id=None if cmd.preview else uuid.uuid4(),  # a preview places no order
    )
    result = SeatsResult(change, sub.currency, sub.payment_method_id)
    await (uow.rollback() if cmd.preview else uow.commit())
    return result
