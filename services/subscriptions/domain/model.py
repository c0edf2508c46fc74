"""Subscriptions and their renewals: pure rules, no database, no broker, no settings."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.errors import DomainError
from shared.money import Money


class Term(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    THREE_YEAR = "three_year"

    @property
    def months(self) -> int:
        return {"monthly": 1, "annual": 12, "three_year": 36}[self.value]


class Status(StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class PurchaseMethod(StrEnum):
    ONLINE_DIRECT = "online_direct"
    PARTNER = "partner"
    QUOTE = "quote"


class PaymentMethodKind(StrEnum):
    CARD = "card"
    PAYPAL = "paypal"
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"
    CONVENIENCE_STORE = "convenience_store"

    @property
    def recurring(self) -> bool:
        """Alipay, convenience stores and bank transfer always require manual renewal (R-SUB-9)."""
        return self in (PaymentMethodKind.CARD, PaymentMethodKind.PAYPAL)


def add_months(day: date, months: int) -> date:
    """Same day of month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_renewal_date(renewal_date: date, term: Term) -> date:
    """The new term starts where the old one ends, however early it was paid (R-SUB-12)."""
    return add_months(renewal_date, term.months)


def renewal_id_for(subscription_id: str, period_start: date) -> uuid.UUID:
    """One stable id per subscription and term, so a repeated request is recognisable."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"renewal:{subscription_id}:{period_start.isoformat()}")


class RenewalNotAllowed(DomainError):
    status = 409


@dataclass(eq=False)
class Subscription:
    id: str
    csn: str
    team_id: str
    product_code: str
    product_name: str
    seats: int
    term: Term
    unit_price_amount: int  # one seat for one term, minor units
    currency: str
    auto_renew: bool
    start_date: date
    renewal_date: date
    status: Status
    purchase_method: PurchaseMethod
    payment_method_id: str | None = None
    payment_method_kind: PaymentMethodKind | None = None
    contract_id: str | None = None
    partner_csn: str | None = None
    assigned_to: str | None = None
    renewal_pending_for: date | None = None  # period_start of a renewal awaiting payment
    payment_error: str | None = None
    version: int = 1

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_amount, self.currency)

    def renews_automatically(self) -> bool:
        """Auto-renew on and a valid recurring payment method (R-SUB-5, R-SUB-9)."""
        return (
            self.auto_renew
            and self.status == Status.ACTIVE
            and self.payment_method_id is not None
            and self.payment_method_kind is not None
            and self.payment_method_kind.recurring
        )

    def is_due_for_auto_renewal(self, today: date) -> bool:
        return (
            self.renews_automatically()
            and self.renewal_date <= today
            and self.renewal_pending_for != self.renewal_date
        )

    def request_renewal(self) -> RenewalRequest:
        """Start renewing the current term; the date moves only once it is paid (R-SUB-12)."""
        if self.status == Status.TRIAL:
            raise RenewalNotAllowed(
                "trial_not_renewable",
                "A trial cannot be renewed or extended; buy a subscription to convert it (R-SUB-6).",
            )
        if self.status != Status.ACTIVE:
            raise RenewalNotAllowed(
                "subscription_not_renewable",
                f"An {self.status} subscription cannot be renewed; buy a new one (R-SUB-7).",
            )
        self.renewal_pending_for = self.renewal_date
        return RenewalRequest(
            renewal_id=renewal_id_for(self.id, self.renewal_date),
            period_start=self.renewal_date,
            period_end=next_renewal_date(self.renewal_date, self.term),
        )

    def complete_renewal(self, period_start: date) -> date | None:
        """Invoice paid: move the renewal date one term from the old date. Returns the new date,
        or None when this term was already renewed (a redelivered or late payment)."""
        if period_start != self.renewal_date:
            return None
        previous = self.renewal_date
        self.renewal_date = next_renewal_date(previous, self.term)
        self.renewal_pending_for = None
        self.payment_error = None
        self.version += 1
        return self.renewal_date

    def record_payment_error(self, reason: str) -> None:
        """Shown as an alert until a later payment succeeds (R-PAY-4); nothing is renewed."""
        self.payment_error = reason
        self.version += 1


@dataclass(frozen=True)
class RenewalRequest:
    renewal_id: uuid.UUID
    period_start: date
    period_end: date


@dataclass(eq=False)
class Team:
    id: str
    csn: str
    name: str
