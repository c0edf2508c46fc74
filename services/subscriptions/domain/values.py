"""The words of the subscriptions domain: terms, statuses, purchase and payment method kinds,
what a renewal buys, what a seat change does, and the two refusals. Pure values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.errors import DomainError
from shared.money import Money
from shared.terms import TERM_MONTHS, pro_rata_for_rest_of_term, term_end


class Term(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    THREE_YEAR = "three_year"

    @property
    def months(self) -> int:
        return TERM_MONTHS[self.value]


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
    WALLET = "wallet"
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"
    CONVENIENCE_STORE = "convenience_store"

    @property
    def recurring(self) -> bool:
        """Alipay, convenience stores and bank transfer always require manual renewal (R-SUB-9)."""
        return self in (PaymentMethodKind.CARD, PaymentMethodKind.WALLET)


RECURRING_KINDS = tuple(k for k in PaymentMethodKind if k.recurring)


class RenewalNotAllowed(DomainError):
    status = 409


class ChangeNotAllowed(DomainError):
    status = 409


def next_renewal_date(renewal_date: date, term: Term) -> date:
    """The new term starts where the old one ends, however early it was paid (R-SUB-12)."""
    return term_end(renewal_date, term.value)


@dataclass(frozen=True)
class Renewal:
    """What the next renewal buys: computed from pending changes (R-SUB-8, R-SEAT-3)."""

    renewal_id: uuid.UUID
    period_start: date
    period_end: date
    term: Term
    seats: int
    unit_price: Money

    @property
    def amount(self) -> Money:
        return self.unit_price * self.seats


@dataclass(frozen=True)
class SeatChange:
    change: str  # "added" | "reduced"
    previous_seats: int
    seats: int
    effective_on: date
    prorated: Money | None = None
    period_start: date | None = None
    period_end: date | None = None
    order_id: uuid.UUID | None = None  # the order that charges added seats (R-SEAT-2)

    @property
    def charged(self) -> bool:
        return self.change == "added" and self.prorated is not None and self.prorated.amount > 0


@dataclass(frozen=True)
class BoughtTerm:
    """What was sold (an accepted quote) or paid (an invoice line) for a subscription's next
    term."""

    seats: int
    term: Term
    unit_price_amount: int  # one seat for that term, before promotions

    @classmethod
    def of_period(
        cls, start: date, end: date | None, seats: int | None, unit_price_amount: int | None
    ) -> BoughtTerm | None:
        """From an invoice line: the term is the one whose length the period has; None when
        the line does not say (older events) or its period is no term we sell."""
        if end is None or seats is None or unit_price_amount is None:
            return None
        term = next((t for t in Term if term_end(start, t.value) == end), None)
        return None if term is None else cls(seats, term, unit_price_amount)


def prorated_seat_charge(
    unit_price: Money, added: int, today: date, renewal_date: date, term: Term
) -> Money:
    """Added seats pay for the days left in the current term (R-SEAT-2): exactly
    unit_price * added * days_left / days_in_term, rounded half up to the minor unit once, on
    the total (not per seat), as shared.terms prices the rest of any term. days_in_term counts
    the real calendar days of this term."""
    return pro_rata_for_rest_of_term(unit_price * added, today, renewal_date, term.value)
