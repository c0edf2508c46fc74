"""What may go on one quote (R-QUO-4, R-QUO-5), from the projections the quotes service keeps of
other services' snapshots (subscription-changed, customer-changed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from services.quotes.domain.model import Address, LineKind, QuoteRefused
from shared.principal import Role


@dataclass(eq=False)
class SubscriptionSnapshot:
    """The newest subscription-changed snapshot of one subscription (by occurred_at)."""

    subscription_id: str
    csn: str
    contract_id: str | None
    team_id: str
    product_code: str
    product_name: str
    status: str
    seats: int
    seats_at_renewal: int
    term: str
    term_at_renewal: str
    unit_price: int  # one seat for one current term, minor units
    currency: str
    renewal_amount: int
    auto_renew: bool
    start_date: date
    renewal_date: date
    purchase_method: str
    payment_method_id: str | None
    collection: str
    partner_csn: str | None
    occurred_at: datetime


@dataclass(eq=False)
class CustomerSnapshot:
    """The newest customer-changed snapshot: billing address for the tax estimate."""

    csn: str
    company_name: str
    line1: str
    city: str
    country: str
    net_terms_days: int
    occurred_at: datetime
    line2: str | None = None
    region: str | None = None
    postal_code: str | None = None

    @property
    def address(self) -> Address:
        return Address(
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country=self.country,
        )


_NOT_ACTIVE = {
    "trial": "is a trial: a trial cannot be renewed or extended; converting it is a new "
    "purchase (R-SUB-6).",
    "expired": "has expired and cannot be reactivated; buy a new subscription (R-SUB-7).",
    "cancelled": "was cancelled; buy a new subscription instead.",
}


def not_quotable(sub: SubscriptionSnapshot, held_by: str | None) -> QuoteRefused | None:
    """Only active subscriptions whose current renewal is not already on a sent or accepted
    quote can be quoted (R-QUO-5)."""
    if sub.status != "active":
        return QuoteRefused(
            "subscription_not_active",
            f"Subscription {sub.subscription_id} "
            + _NOT_ACTIVE.get(sub.status, f"is {sub.status}."),
        )
    if held_by is not None:
        return QuoteRefused(
            "subscription_already_quoted",
            f"The renewal of {sub.subscription_id} on {sub.renewal_date} is already on quote "
            f"{held_by}; accept that quote, or wait until it expires.",
        )
    return None


def ensure_one_group(subs: Iterable[SubscriptionSnapshot]) -> None:
    """Same customer CSN and currency for all; the same partner when an agent of record is
    involved; one purchase method, as the renewal groups are formed (R-QUO-5, R-QUO-4)."""
    subs = list(subs)
    for attribute, code, what in (
        ("csn", "mixed_customers", "customer accounts (CSN)"),
        ("currency", "mixed_currencies", "currencies"),
        ("partner_csn", "mixed_partners", "agents of record (partner CSN)"),
        ("purchase_method", "mixed_purchase_methods", "purchase methods"),
    ):
        values = {getattr(s, attribute) for s in subs}
        if len(values) > 1:
            listed = ", ".join(f"{s.subscription_id}: {getattr(s, attribute)}" for s in subs)
            raise QuoteRefused(
                code,
                f"All subscriptions of one quote must share their {what} ({listed}). Quote "
                "each renewal group separately (POST /v1/quotes/renewal-groups).",
            )


def ensure_kinds_not_mixed(kinds: Iterable[LineKind]) -> None:
    """Renewals cannot be mixed with new or co-term lines (R-QUO-5)."""
    kinds = set(kinds)
    if LineKind.RENEWAL in kinds and kinds & {LineKind.NEW, LineKind.COTERM}:
        raise QuoteRefused(
            "renewal_mixed_with_new_or_coterm",
            "A quote holds either renewals, or new and co-term purchases, not both: create one "
            "quote for the renewals and another for the new purchases.",
        )


def ensure_buyer_quotes_one_subscription(roles: frozenset[Role], line_count: int) -> None:
    """Buyers may create a self-service renewal quote for one subscription (R-ROLE-4)."""
    if roles & {Role.PRIMARY_ADMIN, Role.CONTRACT_MANAGER} or Role.BUYER not in roles:
        return
    if line_count != 1:
        raise QuoteRefused(
            "buyer_quotes_one_subscription",
            "Buyers quote the renewal of one subscription at a time, from its page; ask a "
            "contract manager or your primary admin for a quote of several subscriptions.",
            status=403,
        )


@dataclass(frozen=True)
class GroupKey:
    csn: str
    currency: str
    purchase_method: str
    partner_csn: str | None  # one agent of record per quote (R-QUO-5), so one per group too


@dataclass
class RenewalGroup:
    key: GroupKey
    subscriptions: list[SubscriptionSnapshot] = field(default_factory=list)


@dataclass(frozen=True)
class Ineligible:
    subscription_id: str
    code: str
    reason: str


def group_for_renewal_quote(
    requested: list[str],
    found: dict[str, SubscriptionSnapshot],
    held: dict[str, str],
) -> tuple[list[RenewalGroup], list[Ineligible]]:
    """The eligible subscriptions grouped by CSN, currency and purchase method, and why each
    other one cannot be quoted (R-QUO-4, R-QUO-5). `held`: subscription id -> quote number."""
    groups: dict[GroupKey, RenewalGroup] = {}
    ineligible: list[Ineligible] = []
    for sub_id in dict.fromkeys(requested):
        sub = found.get(sub_id)
        if sub is None:
            ineligible.append(
                Ineligible(
                    sub_id, "subscription_not_found", f"No subscription {sub_id} in this account."
                )
            )
            continue
        refusal = not_quotable(sub, held.get(sub_id))
        if refusal is not None:
            ineligible.append(Ineligible(sub_id, refusal.code, refusal.message))
            continue
        key = GroupKey(sub.csn, sub.currency, sub.purchase_method, sub.partner_csn)
        groups.setdefault(key, RenewalGroup(key)).subscriptions.append(sub)
    return list(groups.values()), ineligible
