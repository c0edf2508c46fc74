"""Refusals several changes share: a subscription that is not active, a renewal awaiting
payment, a payment method that cannot back an auto-renewal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.subscriptions.domain.values import (
    ChangeNotAllowed,
    PurchaseMethod,
    RenewalNotAllowed,
    Status,
)
from services.subscriptions.domain.views import PaymentMethodView

if TYPE_CHECKING:
    from services.subscriptions.domain.model import Subscription


def refuse_unless_active(status: Status, action: str) -> None:
    if status == Status.TRIAL:
        raise RenewalNotAllowed(
            "trial_not_renewable",
            f"A trial cannot be renewed or extended ({action}); buy the product to convert"
            " it into a subscription (R-SUB-6).",
        )
    if status == Status.EXPIRED:
        raise RenewalNotAllowed(
            "subscription_expired",
            f"An expired subscription cannot be reactivated ({action}); buy a new"
            " subscription instead (R-SUB-7).",
        )
    if status != Status.ACTIVE:
        raise RenewalNotAllowed(
            "subscription_not_active",
            f"A {status} subscription cannot be changed ({action}); buy a new one.",
        )


def refuse_while_renewal_pending(renewal_pending: bool, action: str) -> None:
    if renewal_pending:
        raise ChangeNotAllowed(
            "renewal_in_progress",
            f"This subscription's renewal is awaiting payment; {action} once the renewal"
            " invoice is paid.",
        )


def refuse_unless_it_backs_auto_renewal(
    method: PaymentMethodView | None, method_id: str | None
) -> None:
    """Auto-renew needs a linked, valid, recurring method (R-SUB-5, R-SUB-9)."""
    if method is None or method_id is None or not method.active:
        raise ChangeNotAllowed(
            "payment_method_required",
            "Auto-renew needs a saved card or wallet linked to this subscription; link one"
            " first (R-SUB-5).",
        )
    if not (method.kind.recurring and method.recurring):
        raise ChangeNotAllowed(
            "manual_renewal_method",
            f"{method.label} ({method.kind.value}) always needs manual renewal; link a card or"
            " wallet to turn auto-renew on, or renew manually (R-SUB-9).",
        )
    if not method.valid:
        raise ChangeNotAllowed(
            "payment_method_invalid",
            f"{method.label} can't be charged (expired or refused); update it or link another"
            " method first (R-SUB-5).",
        )


def refuse_seat_change(sub: Subscription, seats: int) -> None:
    """R-SEAT-1: only auto-renew subscriptions bought online directly."""
    refuse_unless_active(sub.status, "seat change")
    if sub.purchase_method != PurchaseMethod.ONLINE_DIRECT:
        raise ChangeNotAllowed(
            "seats_not_online_direct",
            "Seats can be changed online only for subscriptions bought online directly;"
            " ask your partner or sales contact for this one (R-SEAT-1).",
        )
    if not sub.auto_renew:
        raise ChangeNotAllowed(
            "seats_require_auto_renew",
            "Turn auto-renew on to change seats online (R-SEAT-1).",
        )
    if seats < 1:
        raise ChangeNotAllowed("seats_invalid", "A subscription keeps at least one seat.")
    if seats == sub.seats_at_renewal:
        raise ChangeNotAllowed(
            "seats_unchanged", f"The subscription already has {seats} seats at renewal."
        )
