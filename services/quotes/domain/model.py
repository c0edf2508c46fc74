"""Quotes (R-QUO-*): the aggregate and its life, draft → sent → accepted / expired / cancelled.
Pure rules: no database, no broker, no settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.errors import DomainError
from shared.terms import renewal_id_for

SELF_SERVICE_MAX_RECIPIENTS = 4  # R-QUO-4
PARTNER_MAX_ADDITIONAL_RECIPIENTS = 5  # R-QUO-3: any company contact plus up to five more


class QuoteOrigin(StrEnum):
    PARTNER = "partner"
    SELF_SERVICE = "self_service"
    AUTOMATIC = "automatic"


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class LineKind(StrEnum):
    RENEWAL = "renewal"
    NEW = "new"
    COTERM = "coterm"


class QuoteRefused(DomainError):
    """The request asks for something a quote cannot hold (R-QUO-5, R-QUO-6)."""

    status = 422


class QuoteConflict(DomainError):
    """The quote is not in a state that allows this (already sent, accepted, expired...)."""

    status = 409


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    country: str
    line2: str | None = None
    region: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class AppliedPromotion:
    """A promotion applied by rule and shown on the line with its code (R-QUO-7)."""

    code: str
    description: str
    amount: int  # discount, minor units


@dataclass(eq=False)
class QuoteLine:
    id: str
    position: int
    kind: LineKind
    subscription_id: str | None
    product_code: str
    product_name: str
    seats: int
    term: str
    unit_price: int  # one seat for one term of this line, minor units
    list_amount: int  # before promotions
    discount: int
    amount: int  # net, before tax
    tax: int  # estimate, from the billing address (R-INV-5)
    promotions: list[AppliedPromotion]
    period_start: date | None
    period_end: date | None
    quote_id: str | None = None

    @property
    def renewal_id(self) -> uuid.UUID | None:
        """The id subscriptions give this renewal, so every service recognises it."""
        if self.kind != LineKind.RENEWAL or not self.subscription_id or not self.period_start:
            return None
        return renewal_id_for(self.subscription_id, self.period_start)


@dataclass(eq=False)
class Quote:
    id: str
    number: str
    csn: str
    origin: QuoteOrigin
    status: QuoteStatus
    currency: str
    purchase_method: str
    created_by: str
    created_at: datetime
    validity_days: int
    partner_csn: str | None = None
    recipients: list[str] = field(default_factory=list)
    billing_address: Address | None = None
    tax_rate: str = "0"
    tax_name: str = ""
    subtotal: int = 0
    discount_total: int = 0
    tax: int = 0
    total: int = 0
    priced_on: date | None = None
    sent_at: datetime | None = None
    expires_on: date | None = None
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    payment_method_id: str | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancellation_reason: str | None = None
    lines: list[QuoteLine] = field(default_factory=list)
    version: int = 1

    # --- reading -----------------------------------------------------------------------------
    def is_past_expiry(self, today: date) -> bool:
        """Valid through its expiry date; from the next day on it can no longer be accepted."""
        return self.expires_on is not None and today > self.expires_on

    def display_status(self, today: date) -> QuoteStatus:
        """A sent quote past its date shows as expired even before the expiry job marks it."""
        if self.status == QuoteStatus.SENT and self.is_past_expiry(today):
            return QuoteStatus.EXPIRED
        return self.status

    def is_active(self, today: date) -> bool:
        """Listed as active: not yet converted, cancelled or past its expiry (R-QUO-1)."""
        return self.display_status(today) in (QuoteStatus.DRAFT, QuoteStatus.SENT)

    def holds_renewal(self, today: date) -> bool:
        """A sent (still valid) or accepted quote holds its renewals: no second quote for them."""
        return self.status == QuoteStatus.ACCEPTED or (
            self.status == QuoteStatus.SENT and not self.is_past_expiry(today)
        )

    @property
    def subscription_ids(self) -> list[str]:
        return [line.subscription_id for line in self.lines if line.subscription_id]

    # --- changing a draft --------------------------------------------------------------------
    def _ensure_draft(self, today: date) -> None:
        if self.status != QuoteStatus.DRAFT:
            raise QuoteConflict(
                "quote_not_draft",
                f"Quote {self.number} is {self.display_status(today)}: only a draft can be "
                "changed. Create a new quote instead.",
            )

    def replace_lines(self, lines: list[QuoteLine], today: date) -> None:
        self._ensure_draft(today)
        for line in lines:
            line.quote_id = self.id
        self.lines = lines
        self._total()

    def change_recipients(self, recipients: list[str], today: date) -> None:
        self._ensure_draft(today)
        self.recipients = recipients

    def change_address(self, address: Address, today: date) -> None:
        """Once sent, the address is fixed: a new quote is needed (R-QUO-6)."""
        if self.status != QuoteStatus.DRAFT:
            raise QuoteRefused(
                "address_change_after_sending_not_allowed",
                f"Quote {self.number} was already sent with its billing address; the address "
                "cannot change on a sent quote. Update the account's billing details and create "
                "a new quote.",
            )
        self.billing_address = address

    def apply_tax(self, rate: str, name: str, line_taxes: list[int]) -> None:
        for line, tax in zip(self.lines, line_taxes, strict=True):
            line.tax = tax
        self.tax_rate, self.tax_name = rate, name
        self._total()

    def _total(self) -> None:
        self.subtotal = sum(line.list_amount for line in self.lines)
        self.discount_total = sum(line.discount for line in self.lines)
        self.tax = sum(line.tax for line in self.lines)
        self.total = self.subtotal - self.discount_total + self.tax

    # --- life cycle --------------------------------------------------------------------------
    def send(self, now: datetime) -> None:
        """Prices are fixed and the quote is valid for `validity_days` from today."""
        self._ensure_draft(now.date())
        if not self.recipients:
            raise QuoteRefused(
                "quote_has_no_recipients", "Add at least one recipient before sending the quote."
            )
        if not self.lines:
            raise QuoteRefused("quote_has_no_lines", "Add at least one line before sending.")
        self.status = QuoteStatus.SENT
        self.sent_at = now
        self.expires_on = now.date() + timedelta(days=self.validity_days)

    def accept(self, by: str, now: datetime, payment_method_id: str | None) -> None:
        """Turn the quote into a purchase, once, while it is valid (R-QUO-2)."""
        today = now.date()
        status = self.display_status(today)
        if status == QuoteStatus.ACCEPTED:
            raise QuoteConflict(
                "quote_already_accepted",
                f"Quote {self.number} was already accepted on {self.accepted_at:%Y-%m-%d}; "
                "its order is in your order history.",
            )
        if status == QuoteStatus.EXPIRED:
            raise QuoteConflict(
                "quote_expired",
                f"Quote {self.number} expired on {self.expires_on}; ask for a new quote.",
            )
        if status == QuoteStatus.CANCELLED:
            raise QuoteConflict(
                "quote_cancelled", f"Quote {self.number} was cancelled; ask for a new quote."
            )
        if status == QuoteStatus.DRAFT:
            raise QuoteConflict(
                "quote_not_sent", f"Quote {self.number} is a draft: send it before accepting it."
            )
        self.status = QuoteStatus.ACCEPTED
        self.accepted_at, self.accepted_by = now, by
        self.payment_method_id = payment_method_id

    def cancel(self, by: str, now: datetime, *, by_partner: bool) -> None:
        """Only the partner cancels a quote; the customer lets it expire (R-QUO-6)."""
        if not by_partner:
            raise QuoteRefused(
                "quote_cancellation_not_allowed",
                f"Quote {self.number} cannot be cancelled from your account: contact your "
                "partner to cancel it, or simply let it expire.",
                status=403,
            )
        if self.display_status(now.date()) not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
            raise QuoteConflict(
                "quote_not_cancellable",
                f"Quote {self.number} is {self.display_status(now.date())}; only a draft or a "
                "sent quote can be cancelled.",
            )
        self.status = QuoteStatus.CANCELLED
        self.cancelled_at, self.cancelled_by = now, by

    def withdraw_advice(self, reason: str, now: datetime) -> bool:
        """An automatic quote is advice, not a hold: another quote for the same renewal, or the
        renewal paid another way, cancels it, saying why (R-QUO-8). False: nothing to do."""
        if self.origin != QuoteOrigin.AUTOMATIC or self.status not in (
            QuoteStatus.DRAFT,
            QuoteStatus.SENT,
        ):
            return False
        self.status = QuoteStatus.CANCELLED
        self.cancelled_at, self.cancelled_by = now, "automatic-renewal-quotes"
        self.cancellation_reason = reason
        return True


def quote_number(csn: str, sequence: int) -> str:
    """Sequential per account, like invoice numbers."""
    return f"Q{csn}-{sequence:05d}"


def _unique(addresses: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())


def self_service_recipients(recipients: list[str]) -> list[str]:
    """A self-service quote goes to up to four recipients (R-QUO-4)."""
    unique = _unique(recipients)
    if len(unique) > SELF_SERVICE_MAX_RECIPIENTS:
        raise QuoteRefused(
            "too_many_recipients",
            f"A self-service quote goes to at most {SELF_SERVICE_MAX_RECIPIENTS} recipients "
            f"({len(unique)} given); remove some, or ask your partner for a quote.",
        )
    return unique


def partner_recipients(recipients: list[str], company_contacts: set[str]) -> list[str]:
    """Any contact of the company, plus up to five people outside it (R-QUO-3)."""
    unique = _unique(recipients)
    outside = [r for r in unique if r.lower() not in company_contacts]
    if len(outside) > PARTNER_MAX_ADDITIONAL_RECIPIENTS:
        raise QuoteRefused(
            "too_many_additional_recipients",
            f"A partner quote goes to any contact of the company plus at most "
            f"{PARTNER_MAX_ADDITIONAL_RECIPIENTS} additional recipients; {len(outside)} are not "
            f"contacts of the company ({', '.join(outside)}). Remove some of them.",
        )
    return unique
