"""Use cases of the subscriptions service. Event handlers take (event, envelope, uow); commands
take an entered unit of work and the caller's principal and commit themselves. Every change
publishes a `subscription-changed` snapshot beside its specific event (outbox, same commit)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.subscriptions.domain.model import (
    BULK_LIMIT,
    EXPIRING_SOON_DAYS,
    LAST_CHANCE_DAYS,
    BillingAddressView,
    BoughtTerm,
    CartStatus,
    PaymentMethodKind,
    PaymentMethodView,
    Renewal,
    RenewalCart,
    Status,
    Subscription,
    Term,
    build_cart,
    check_cart_still_valid,
    renewal_group_key,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import Clock, SystemClock
from shared.errors import DomainError, NotFound
from shared.events import (
    AutoRenewChanged,
    CustomerChanged,
    Envelope,
    InvoicePaid,
    MoneyField,
    PaymentFailed,
    PaymentMethodChanged,
    QuoteAccepted,
    RenewalOrderLine,
    RenewalOrderPlaced,
    RenewalRequested,
    SeatsChanged,
    SubscriptionChanged,
    SubscriptionExpired,
    SubscriptionRenewed,
)
from shared.money import Money
from shared.principal import Principal
from shared.tax import rule_for

log = logging.getLogger(__name__)
REAL_TIME = SystemClock()  # how long a request went unanswered: infrastructure time


def visible_to(principal: Principal) -> str | None:
    """Plain users see only the subscriptions assigned to them (R-ROLE-1)."""
    return None if principal.sees_billing_data else principal.subject


def _money(amount: int, currency: str) -> MoneyField:
    return MoneyField(amount=amount, currency=currency)


def snapshot(sub: Subscription, method: PaymentMethodView | None) -> SubscriptionChanged:
    renewal = sub.next_renewal()
    return SubscriptionChanged(
        subscription_id=sub.id,
        csn=sub.csn,
        contract_id=sub.contract_id,
        team_id=sub.team_id,
        product_code=sub.product_code,
        product_name=sub.product_name,
        status=sub.status.value,
        seats=sub.seats,
        seats_at_renewal=renewal.seats,
        term=sub.term.value,
        term_at_renewal=renewal.term.value,
        unit_price=_money(sub.unit_price_amount, sub.currency),
        renewal_amount=_money(renewal.amount.amount, sub.currency),
        auto_renew=sub.auto_renew,
        start_date=sub.start_date,
        renewal_date=sub.renewal_date,
        purchase_method=sub.purchase_method.value,
        payment_method_id=sub.payment_method_id,
        collection="automatic" if sub.renews_automatically(method) else "manual",
        partner_csn=sub.partner_csn,
        payment_error=sub.payment_error,
    )


async def publish_changed(uow: SubscriptionsUnitOfWork, sub: Subscription) -> None:
    uow.publish(snapshot(sub, await uow.subscriptions.method(sub.payment_method_id)))


# --- sweeps ------------------------------------------------------------------------------


async def sweep_due_renewals(uow: SubscriptionsUnitOfWork, batch_size: int = 200) -> int:
    """Request the renewal of every due auto-renew subscription once (R-SUB-5).

    Rows are locked with SKIP LOCKED: two replicas sweeping at once never pick the same one.
    """
    async with uow:
        today = uow.clock.today()
        due = await uow.subscriptions.lock_due_for_renewal(today, batch_size)
        for sub in due:
            method = await uow.subscriptions.method(sub.payment_method_id)
            if not sub.is_due_for_auto_renewal(today, method):
                continue
            uow.publish(renewal_requested(sub, sub.request_renewal(REAL_TIME.now())))
            uow.publish(snapshot(sub, method))
        await uow.commit()
    return len(due)


def renewal_requested(sub: Subscription, renewal: Renewal) -> RenewalRequested:
    return RenewalRequested(
        renewal_id=renewal.renewal_id,
        subscription_id=sub.id,
        csn=sub.csn,
        team_id=sub.team_id,
        product_code=sub.product_code,
        product_name=sub.product_name,
        seats=renewal.seats,
        term=renewal.term.value,
        unit_price=_money(renewal.unit_price.amount, sub.currency),
        period_start=renewal.period_start,
        period_end=renewal.period_end,
        payment_method_id=sub.payment_method_id,
        collection="automatic",
    )


async def reconcile_renewals(
    uow: SubscriptionsUnitOfWork,
    unanswered_after: timedelta,
    batch_size: int = 200,
    real_time: Clock = REAL_TIME,
) -> int:
    """Anti-entropy (issue 16): a renewal requested long ago and still unpaid may have lost a
    message on the way (renewal-requested, invoice-issued, payment-succeeded, invoice-paid).
    The same request (same renewal id) is sent again; invoicing answers a repeated request by
    announcing the invoice again, payments by announcing its succeeded charge again, and each
    receiver dedups what it already did. Safe with N replicas (SKIP LOCKED).
    Waiting is measured on the real clock: moving the dev clock a week ahead is not a week of
    silence from the other services."""
    async with uow:
        now = real_time.now()
        pending = await uow.subscriptions.lock_unanswered_renewals(
            now - unanswered_after, batch_size
        )
        asked = 0
        for sub in pending:
            if not sub.renewal_unanswered(now, unanswered_after):
                continue
            log.warning(
                "renewal of %s for %s unanswered since %s: requesting it again",
                sub.id,
                sub.renewal_date,
                sub.renewal_requested_at,
            )
            uow.publish(renewal_requested(sub, sub.request_renewal_again(now)))
            asked += 1
        await uow.commit()
    return asked


async def sweep_expired(uow: SubscriptionsUnitOfWork, grace_days: int, batch_size: int) -> int:
    """Expire what passed its renewal date unrenewed (R-SUB-13); safe with N replicas."""
    async with uow:
        today = uow.clock.today()
        candidates = await uow.subscriptions.lock_expirable(today, grace_days, batch_size)
        for sub in candidates:
            if sub.expire_if_past(today, grace_days):
                uow.publish(
                    SubscriptionExpired(
                        subscription_id=sub.id,
                        csn=sub.csn,
                        product_code=sub.product_code,
                        expired_on=sub.renewal_date,
                    )
                )
                await publish_changed(uow, sub)
        await uow.commit()
    return len(candidates)


# --- events from other services ------------------------------------------------------------


async def complete_renewal(event: InvoicePaid, _: Envelope, uow: SubscriptionsUnitOfWork) -> None:
    """An invoice that covers renewal lines was paid: extend each subscription one term from
    its old date (R-SUB-12), applying pending term and seat changes (R-SUB-8, R-SEAT-3)."""
    for line in event.lines:
        if line.subscription_id is None:
            continue
        sub = await uow.subscriptions.get_for_update(line.subscription_id)
        if sub is None or sub.csn != event.csn:
            log.warning(
                "invoice %s pays unknown subscription %s", event.invoice_id, line.subscription_id
            )
            continue
        sub.record_paid_invoice(event.invoice_id)
        if line.period_start is None or (line.kind is not None and line.kind != "renewal"):
            continue  # added seats, new purchases: paid, but no term to extend
        previous = sub.renewal_date
        paid = None
        if event.currency == sub.currency:
            paid = BoughtTerm.of_period(
                line.period_start, line.period_end, line.seats, line.unit_amount
            )
        new_date = sub.complete_renewal(line.period_start, paid)
        if new_date is None:
            continue  # this term was already renewed: nothing changes twice
        uow.publish(
            SubscriptionRenewed(
                subscription_id=sub.id,
                csn=sub.csn,
                renewal_id=line.renewal_id,
                invoice_id=event.invoice_id,
                term=sub.term.value,
                seats=sub.seats,
                previous_renewal_date=previous,
                renewal_date=new_date,
            )
        )
        await publish_changed(uow, sub)


async def record_payment_failure(
    event: PaymentFailed, _: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """A charge failed: the subscription shows a payment error; nothing is renewed (R-PAY-4)."""
    for subscription_id in event.subscription_ids:
        sub = await uow.subscriptions.get_for_update(subscription_id)
        if sub is not None and sub.csn == event.csn:
            if sub.record_payment_error(event.reason, event.invoice_id):
                await publish_changed(uow, sub)


async def apply_payment_method(
    event: PaymentMethodChanged, envelope: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """Keep the projection of saved methods; an older snapshot never overwrites a newer one."""
    version_at = envelope.occurred_at.isoformat()
    method = await uow.subscriptions.method(event.payment_method_id)
    if method is not None and method.version_at > version_at:
        return
    values = {
        "csn": event.csn,
        "kind": PaymentMethodKind(event.kind),
        "label": event.label,
        "recurring": event.recurring,
        "valid": event.valid,
        "active": event.status == "active",
        "version_at": version_at,
    }
    if method is None:
        uow.subscriptions.add(PaymentMethodView(id=event.payment_method_id, **values))
    else:
        for key, value in values.items():
            setattr(method, key, value)


async def apply_customer(
    event: CustomerChanged, envelope: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    version_at = envelope.occurred_at.isoformat()
    address = await uow.subscriptions.address(event.csn)
    country, region = event.billing_address.country, event.billing_address.region
    if address is None:
        uow.subscriptions.add(BillingAddressView(event.csn, country, region, version_at))
    elif address.version_at <= version_at:
        address.country, address.region, address.version_at = country, region, version_at


async def hold_quoted_renewals(
    event: QuoteAccepted, _: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """An accepted quote pays these terms: the auto-renew sweep must not renew them too, and
    the paid renewal applies the seats, term and price the quote sold (R-QUO-2)."""
    for line in event.lines:
        if line.kind != "renewal" or line.subscription_id is None or line.period_start is None:
            continue
        sub = await uow.subscriptions.get_for_update(line.subscription_id)
        if sub is None or sub.csn != event.csn:
            continue
        bought = None  # quotes refuse a currency change (R-QUO-6); never mix currencies here
        if line.unit_price.currency == sub.currency:
            bought = BoughtTerm(line.seats, Term(line.term), line.unit_price.amount)
        if sub.hold_for_order(line.period_start, bought):
            await publish_changed(uow, sub)


# --- commands ------------------------------------------------------------------------------


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


def check_bulk_size(ids: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise DomainError("no_items", "Choose at least one subscription.", status=422)
    if len(unique) > BULK_LIMIT:
        raise DomainError(
            "too_many_items",
            f"Bulk actions take at most {BULK_LIMIT} subscriptions (you sent {len(unique)});"
            " split the selection (R-SUB-4).",
            status=422,
        )
    return unique


async def _one(uow: SubscriptionsUnitOfWork, principal: Principal, sub_id: str) -> Subscription:
    subs = await uow.subscriptions.many_for_update(principal.csn, [sub_id])
    if sub_id not in subs:
        raise NotFound("subscription", sub_id)
    return subs[sub_id]


async def set_auto_renew(
    uow: SubscriptionsUnitOfWork, principal: Principal, ids: Sequence[str], on: bool
) -> list[ItemOutcome]:
    """Auto-renew on/off for one or up to 100 subscriptions (R-SUB-4). Each item stands alone:
    the ones that break a rule are reported with their code, the others change."""
    ids = check_bulk_size(ids)
    subs = await uow.subscriptions.many_for_update(principal.csn, ids)
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs.values() if s.payment_method_id]
    )
    batch_id = uuid.uuid4() if len(ids) > 1 else None
    outcomes = []
    for sub_id in ids:
        sub = subs.get(sub_id)
        if sub is None:
            outcomes.append(ItemOutcome.not_found(sub_id))
            continue
        method = methods.get(sub.payment_method_id or "")
        try:
            changed = sub.set_auto_renew(on, method)
        except DomainError as refusal:
            outcomes.append(ItemOutcome(sub_id, "refused", refusal.code, refusal.message))
            continue
        if changed:
            uow.publish(
                AutoRenewChanged(
                    subscription_id=sub.id,
                    csn=sub.csn,
                    auto_renew=on,
                    changed_by=principal.subject,
                    batch_id=batch_id,
                )
            )
            uow.publish(snapshot(sub, method))
        outcomes.append(ItemOutcome(sub_id, "changed" if changed else "unchanged"))
    await uow.commit()
    return outcomes


async def link_payment_method(
    uow: SubscriptionsUnitOfWork, principal: Principal, method_id: str, ids: Sequence[str]
) -> list[ItemOutcome]:
    """Pay one or several subscriptions with one saved method (R-PAY-1); a manual-only kind
    never backs an auto-renewal (R-SUB-9)."""
    ids = check_bulk_size(ids)
    method = await uow.subscriptions.method(method_id)
    if method is None or method.csn != principal.csn:
        raise NotFound("payment_method", method_id)
    subs = await uow.subscriptions.many_for_update(principal.csn, ids)
    outcomes = []
    for sub_id in ids:
        sub = subs.get(sub_id)
        if sub is None:
            outcomes.append(ItemOutcome.not_found(sub_id))
            continue
        try:
            changed = sub.link_payment_method(method)
        except DomainError as refusal:
            outcomes.append(ItemOutcome(sub_id, "refused", refusal.code, refusal.message))
            continue
        if changed:
            uow.publish(snapshot(sub, method))
        outcomes.append(ItemOutcome(sub_id, "changed" if changed else "unchanged"))
    await uow.commit()
    return outcomes


async def change_term(
    uow: SubscriptionsUnitOfWork, principal: Principal, sub_id: str, term: Term
) -> Subscription:
    """A new term from the next renewal, at the new term's catalogue price (R-SUB-8)."""
    sub = await _one(uow, principal, sub_id)
    price = await uow.subscriptions.price(sub.product_code, term, sub.currency)
    unit_price = None if price is None else Money(price.unit_price_amount, price.currency)
    if sub.change_term(term, unit_price):
        await publish_changed(uow, sub)
    await uow.commit()
    return sub


@dataclass
class SeatsResult:
    subscription: Subscription
    change: str
    previous_seats: int
    seats: int
    effective_on: date
    prorated_amount: int | None
    order_id: uuid.UUID | None
    payment_method_id: str | None


async def change_seats(
    uow: SubscriptionsUnitOfWork,
    principal: Principal,
    sub_id: str,
    seats: int,
    payment_method_id: str | None,
    *,
    preview: bool = False,
) -> SeatsResult:
    """Add seats (charged now to the stored method, pro rata, R-SEAT-2; optionally after
    changing the method) or reduce them at renewal (R-SEAT-3). Only for auto-renew online
    subscriptions (R-SEAT-1); only contract managers (R-ROLE-3, enforced by the gateway)."""
    sub = await _one(uow, principal, sub_id)
    if payment_method_id is not None and payment_method_id != sub.payment_method_id:
        method = await uow.subscriptions.method(payment_method_id)
        if method is None or method.csn != principal.csn:
            raise NotFound("payment_method", payment_method_id)
        sub.link_payment_method(method)
    method = await uow.subscriptions.method(sub.payment_method_id)
    change = sub.change_seats(seats, uow.clock.today())
    charge = change.prorated
    order_id = None
    if change.change == "added" and charge is not None and charge.amount > 0:
        if not sub.renews_automatically(method):
            raise DomainError(
                "payment_method_invalid",
                "Added seats are charged to the subscription's card or wallet, which can't be"
                " charged now; update it or choose another method.",
            )
        order_id = None if preview else uuid.uuid4()  # a preview places no order
    result = SeatsResult(
        subscription=sub,
        change=change.change,
        previous_seats=change.previous_seats,
        seats=change.seats,
        effective_on=change.effective_on,
        prorated_amount=None if charge is None else charge.amount,
        order_id=order_id,
        payment_method_id=sub.payment_method_id,
    )
    if preview:
        await uow.rollback()
        return result
    uow.publish(
        SeatsChanged(
            subscription_id=sub.id,
            csn=sub.csn,
            change=change.change,  # type: ignore[arg-type]
            previous_seats=change.previous_seats,
            seats=change.seats,
            effective_on=change.effective_on,
            order_id=order_id,
            product_code=sub.product_code,
            product_name=sub.product_name,
            term=sub.term.value,
            unit_price=_money(sub.unit_price_amount, sub.currency),
            prorated_amount=None if charge is None else _money(charge.amount, sub.currency),
            period_start=change.period_start,
            period_end=change.period_end,
            payment_method_id=sub.payment_method_id,
            placed_by=principal.subject,
        )
    )
    uow.publish(snapshot(sub, method))
    await uow.commit()
    return result


# --- manual renewals (R-SUB-9..12) ---------------------------------------------------------


@dataclass
class RenewalGroups:
    groups: list[dict[str, Any]]
    ineligible: list[ItemOutcome]


async def renewal_groups(
    uow: SubscriptionsUnitOfWork, principal: Principal, ids: Sequence[str]
) -> RenewalGroups:
    """Which of the chosen subscriptions can be renewed now, grouped by CSN, currency and
    purchase method (R-SUB-11); the others with the reason."""
    ids = check_bulk_size(ids)
    today = uow.clock.today()
    subs = await uow.subscriptions.many_for_update(principal.csn, ids)
    groups: dict[tuple[str, str, str], list[Subscription]] = {}
    ineligible = []
    for sub_id in ids:
        sub = subs.get(sub_id)
        if sub is None:
            ineligible.append(ItemOutcome.not_found(sub_id))
            continue
        try:
            sub.check_manual_renewal(today)
        except DomainError as refusal:
            ineligible.append(ItemOutcome(sub_id, "refused", refusal.code, refusal.message))
            continue
        groups.setdefault(renewal_group_key(sub), []).append(sub)
    result = RenewalGroups(
        groups=[
            {
                "csn": csn,
                "currency": currency,
                "purchase_method": purchase_method,
                "subscription_ids": [s.id for s in members],
                "subtotal": sum(s.next_renewal().amount.amount for s in members),
            }
            for (csn, currency, purchase_method), members in groups.items()
        ],
        ineligible=ineligible,
    )
    await uow.rollback()  # read-only: release the row locks
    return result


async def create_cart(
    uow: SubscriptionsUnitOfWork, principal: Principal, ids: Sequence[str]
) -> RenewalCart:
    """Put a renewal (one subscription, or one group of up to 100) in a cart with prices, tax
    and total (R-SUB-10, R-SUB-11). All-or-nothing: one refused subscription refuses the cart."""
    ids = check_bulk_size(ids)
    subs = await uow.subscriptions.many_for_update(principal.csn, ids)
    for sub_id in ids:
        if sub_id not in subs:
            raise NotFound("subscription", sub_id)
    address = await uow.subscriptions.address(principal.csn)
    rule = rule_for(address.country, address.region) if address else rule_for("", None)
    cart = build_cart(
        str(uuid.uuid4()),
        [subs[i] for i in ids],
        uow.clock.today(),
        uow.clock.now(),
        principal.subject,
        rule.rate,
        rule.name if address else "Tax is computed on the invoice from your billing address",
    )
    uow.subscriptions.add(cart)
    await uow.commit()
    return cart


async def get_cart(uow: SubscriptionsUnitOfWork, principal: Principal, cart_id: str) -> RenewalCart:
    cart = await uow.subscriptions.cart(principal.csn, cart_id)
    if cart is None:
        raise NotFound("cart", cart_id)
    return cart


async def checkout_cart(
    uow: SubscriptionsUnitOfWork,
    principal: Principal,
    cart_id: str,
    payment_method_id: str | None,
) -> RenewalCart:
    """Complete the purchase: one order for the cart's group (R-SUB-11). A card or wallet is
    charged now; a manual-only method (or none) gets an invoice on the account's terms. The
    renewal dates don't move until the invoice is paid, and then from the old date (R-SUB-12)."""
    cart = await uow.subscriptions.cart_for_update(principal.csn, cart_id)
    if cart is None:
        raise NotFound("cart", cart_id)
    if cart.status == CartStatus.ORDERED:
        if payment_method_id == cart.payment_method_id:
            return cart  # a repeated checkout returns the order already placed
    subs = await uow.subscriptions.many_for_update(principal.csn, cart.subscription_ids)
    check_cart_still_valid(cart, subs, uow.clock.today())
    method = None
    if payment_method_id is not None:
        method = await uow.subscriptions.method(payment_method_id)
        if method is None or method.csn != principal.csn:
            raise NotFound("payment_method", payment_method_id)
        if not method.active or not method.valid:
            raise DomainError(
                "payment_method_invalid",
                f"{method.label} can't be used (expired or deleted); choose another method.",
            )
    automatic = method is not None and method.can_back_auto_renewal()
    lines = []
    for line in cart.lines:
        sub = subs[line["subscription_id"]]
        sub.hold_for_order(sub.renewal_date)
        lines.append(
            RenewalOrderLine(
                renewal_id=uuid.UUID(line["renewal_id"]),
                subscription_id=sub.id,
                team_id=sub.team_id,
                product_code=sub.product_code,
                product_name=sub.product_name,
                seats=line["seats"],
                term=line["term"],
                unit_price=_money(line["unit_price"], cart.currency),
                period_start=date.fromisoformat(line["period_start"]),
                period_end=date.fromisoformat(line["period_end"]),
            )
        )
        await publish_changed(uow, sub)
    cart.status = CartStatus.ORDERED.value
    cart.payment_method_id = payment_method_id
    cart.collection = "automatic" if automatic else "manual"
    cart.ordered_at = uow.clock.now()
    cart.version += 1
    uow.publish(
        RenewalOrderPlaced(
            order_id=uuid.UUID(cart.id),
            csn=cart.csn,
            currency=cart.currency,
            purchase_method=cart.purchase_method.value,
            collection=cart.collection,  # type: ignore[arg-type]
            payment_method_id=payment_method_id,
            placed_by=principal.subject,
            lines=lines,
        )
    )
    await uow.commit()
    return cart


# --- dashboard data (R-SUM-1, R-SUM-2) -----------------------------------------------------


async def summary(uow: SubscriptionsUnitOfWork, principal: Principal) -> dict[str, Any]:
    """Product cards and alerts for the dashboard, from this service's data."""
    today = uow.clock.today()
    subs = await uow.subscriptions.all_of(principal.csn, visible_to(principal))
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs if s.payment_method_id]
    )
    cards: dict[str, dict[str, Any]] = {}
    payment_errors, last_chance, expiring_soon = [], [], []
    for sub in subs:
        if sub.status in (Status.ACTIVE, Status.TRIAL):
            card = cards.setdefault(
                sub.product_code,
                {
                    "product_code": sub.product_code,
                    "product_name": sub.product_name,
                    "subscriptions": 0,
                    "contracts": set(),
                    "seats": 0,
                    "teams": set(),
                },
            )
            card["subscriptions"] += 1
            card["seats"] += sub.seats
            card["teams"].add(sub.team_id)
            if sub.contract_id:
                card["contracts"].add(sub.contract_id)
        alert = {
            "subscription_id": sub.id,
            "product_name": sub.product_name,
            "renewal_date": sub.renewal_date.isoformat(),
            "days_left": sub.days_to_renewal(today),
        }
        if sub.status != Status.ACTIVE:
            continue
        if sub.payment_error and principal.sees_billing_data:  # R-ROLE-1
            payment_errors.append({**alert, "payment_error": sub.payment_error})
        if (
            sub.renews_automatically(methods.get(sub.payment_method_id or ""))
            or sub.renewal_pending
        ):
            continue
        days = sub.days_to_renewal(today)
        if 0 <= days <= LAST_CHANCE_DAYS:
            last_chance.append(alert)
        elif LAST_CHANCE_DAYS < days <= EXPIRING_SOON_DAYS:
            expiring_soon.append(alert)
    return {
        "product_cards": [
            {**c, "contracts": len(c["contracts"]), "teams": len(c["teams"])}
            for c in sorted(cards.values(), key=lambda c: c["product_name"])
        ],
        "alerts": {
            "payment_errors": payment_errors,
            "last_chance_to_renew": sorted(last_chance, key=lambda a: a["days_left"]),
            "expiring_soon": sorted(expiring_soon, key=lambda a: a["days_left"]),
        },
        "as_of": today.isoformat(),
    }
