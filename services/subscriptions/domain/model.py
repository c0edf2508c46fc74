"""Subscriptions, renewals, auto-renew, term changes and seats: pure rules, no database, no
broker, no settings. Every refusal is a DomainError with a stable code and a message that says
what to do instead; rule numbers refer to SPEC.md."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.errors import DomainError
from shared.money import Money
from shared.tax import line_tax
from shared.terms import add_months, renewal_id_for

MANUAL_RENEWAL_WINDOW_DAYS = 90  # R-SUB-9, R-SUB-11
EXPIRING_SOON_DAYS = 60  # dashboard: upcoming expiries (R-SUM-2)
LAST_CHANCE_DAYS = 7  # dashboard: last chance to renew (R-SUM-2)
BULK_LIMIT = 100  # R-SUB-4, R-SUB-11


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
    WALLET = "wallet"
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"
    CONVENIENCE_STORE = "convenience_store"

    @property
    def recurring(self) -> bool:
        """Alipay, convenience stores and bank transfer always require manual renewal (R-SUB-9)."""
        return self in (PaymentMethodKind.CARD, PaymentMethodKind.WALLET)


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


def next_renewal_date(renewal_date: date, term: Term) -> date:
    """The new term starts where the old one ends, however early it was paid (R-SUB-12)."""
    return add_months(renewal_date, term.months)


class RenewalNotAllowed(DomainError):
    status = 409


class ChangeNotAllowed(DomainError):
    status = 409


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
        term = next((t for t in Term if add_months(start, t.months) == end), None)
        return None if term is None else cls(seats, term, unit_price_amount)


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
    contract_id: str | None = None
    partner_csn: str | None = None
    assigned_to: str | None = None
    renewal_pending_for: date | None = None  # period_start of a renewal awaiting payment
    payment_error: str | None = None
    pending_seats: int | None = None  # a reduction applied at renewal (R-SEAT-3)
    next_term: Term | None = None  # a term change applied at renewal (R-SUB-8)
    next_unit_price_amount: int | None = None  # the price of one seat for next_term
    expired_on: date | None = None
    # The newest invoice paid for this subscription: a payment failure of that invoice handled
    # after its payment (separate consumers) is stale and flags nothing (R-PAY-4).
    last_paid_invoice_id: str | None = None
    # When (real time) the renewal sweep last asked for this term's invoice: unanswered for
    # too long, it asks again (reconciliation). None for a term held by a cart or a quote.
    renewal_requested_at: datetime | None = None
    version: int = 1

    # --- reading --------------------------------------------------------------------------

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_amount, self.currency)

    @property
    def seats_at_renewal(self) -> int:
        return self.pending_seats if self.pending_seats is not None else self.seats

    @property
    def term_at_renewal(self) -> Term:
        return self.next_term or self.term

    @property
    def unit_price_at_renewal(self) -> Money:
        amount = self.next_unit_price_amount
        return Money(self.unit_price_amount if amount is None else amount, self.currency)

    def next_renewal(self) -> Renewal:
        return Renewal(
            renewal_id=renewal_id_for(self.id, self.renewal_date),
            period_start=self.renewal_date,
            period_end=next_renewal_date(self.renewal_date, self.term_at_renewal),
            term=self.term_at_renewal,
            seats=self.seats_at_renewal,
            unit_price=self.unit_price_at_renewal,
        )

    def renews_automatically(self, method: PaymentMethodView | None) -> bool:
        """Auto-renew on and a valid recurring payment method (R-SUB-5, R-SUB-9)."""
        return (
            self.auto_renew
            and self.status == Status.ACTIVE
            and method is not None
            and method.id == self.payment_method_id
            and method.can_back_auto_renewal()
        )

    def is_due_for_auto_renewal(self, today: date, method: PaymentMethodView | None) -> bool:
        return (
            self.renews_automatically(method)
            and self.renewal_date <= today
            and self.renewal_pending_for != self.renewal_date
        )

    def days_to_renewal(self, today: date) -> int:
        return (self.renewal_date - today).days

    @property
    def renewal_pending(self) -> bool:
        return self.renewal_pending_for == self.renewal_date

    # --- guards -------------------------------------------------------------------------

    def _refuse_unless_active(self, action: str) -> None:
        if self.status == Status.TRIAL:
            raise RenewalNotAllowed(
                "trial_not_renewable",
                f"A trial cannot be renewed or extended ({action}); buy the product to convert"
                " it into a subscription (R-SUB-6).",
            )
        if self.status == Status.EXPIRED:
            raise RenewalNotAllowed(
                "subscription_expired",
                f"An expired subscription cannot be reactivated ({action}); buy a new"
                " subscription instead (R-SUB-7).",
            )
        if self.status != Status.ACTIVE:
            raise RenewalNotAllowed(
                "subscription_not_active",
                f"A {self.status} subscription cannot be changed ({action}); buy a new one.",
            )

    def _refuse_while_renewal_pending(self, action: str) -> None:
        if self.renewal_pending:
            raise ChangeNotAllowed(
                "renewal_in_progress",
                f"This subscription's renewal is awaiting payment; {action} once the renewal"
                " invoice is paid.",
            )

    # --- renewals -----------------------------------------------------------------------

    def request_renewal(self, now: datetime) -> Renewal:
        """Start renewing the current term; the date moves only once it is paid (R-SUB-12)."""
        self._refuse_unless_active("renewal")
        renewal = self.next_renewal()
        self.renewal_pending_for = self.renewal_date
        self.renewal_requested_at = now
        self.version += 1
        return renewal

    def renewal_unanswered(self, now: datetime, after: timedelta) -> bool:
        """The sweep asked for this term's invoice `after` ago or more and it is still not
        paid: a message on the way may have been lost (issue 16)."""
        return (
            self.status == Status.ACTIVE
            and self.renewal_pending
            and self.renewal_requested_at is not None
            and now - self.renewal_requested_at >= after
        )

    def request_renewal_again(self, now: datetime) -> Renewal:
        """The same request, for the same term (same renewal id): receivers dedup it."""
        self.renewal_requested_at = now
        return self.next_renewal()

    def check_manual_renewal(self, today: date) -> None:
        """Anyone with the right role may renew manually within 90 days of the renewal date
        (R-SUB-9, R-SUB-10); the renewal date still never moves (R-SUB-12)."""
        self._refuse_unless_active("manual renewal")
        if self.renewal_pending:
            raise RenewalNotAllowed(
                "renewal_already_pending",
                "This term's renewal is already ordered and awaiting payment; pay its invoice"
                " instead of ordering again.",
            )
        days = self.days_to_renewal(today)
        if days > MANUAL_RENEWAL_WINDOW_DAYS:
            raise RenewalNotAllowed(
                "outside_renewal_window",
                f"Manual renewal opens {MANUAL_RENEWAL_WINDOW_DAYS} days before the renewal date"
                f" ({self.renewal_date.isoformat()}); come back in"
                f" {days - MANUAL_RENEWAL_WINDOW_DAYS} days (R-SUB-9).",
            )

    def hold_for_order(self, period_start: date, bought: BoughtTerm | None = None) -> bool:
        """A manual order or accepted quote covers this term: the sweep must not renew it too.
        `bought`: what a quote sold for that term (seats, term, price of one seat); it is
        what the paid renewal applies (R-QUO-2, R-SUB-8), whatever was pending before."""
        if period_start != self.renewal_date or self.status != Status.ACTIVE:
            return False
        self.renewal_pending_for = period_start
        self.renewal_requested_at = None  # a cart's or quote's order: not the sweep's request
        if bought is not None:
            self._plan_next_term(bought)
        self.version += 1
        return True

    def _plan_next_term(self, bought: BoughtTerm) -> None:
        """The next term is the one bought: its seats, term and price replace pending ones."""
        self.pending_seats = None if bought.seats == self.seats else bought.seats
        self.next_term = None if bought.term == self.term else bought.term
        price = bought.unit_price_amount
        self.next_unit_price_amount = None if price == self.unit_price_amount else price

    def complete_renewal(self, period_start: date, paid: BoughtTerm | None = None) -> date | None:
        """Invoice paid: move the renewal date one term from the old date and apply pending term
        and seat changes (R-SUB-8, R-SUB-12, R-SEAT-3). `paid`: the seats, term and price the
        invoice line was bought with; what was paid for wins over what was pending. Returns the
        new date, or None when this term was already renewed (a redelivered or late payment)."""
        if period_start != self.renewal_date or self.status not in (
            Status.ACTIVE,
            Status.EXPIRED,
        ):
            return None
        if paid is not None:
            self._plan_next_term(paid)
        if self.status == Status.EXPIRED:
            # Paid after the grace period ran out: the money is taken, the term is honoured.
            self.status = Status.ACTIVE
            self.expired_on = None
        renewal = self.next_renewal()
        self.renewal_date = renewal.period_end
        self.term = renewal.term
        self.seats = renewal.seats
        self.unit_price_amount = renewal.unit_price.amount
        self.next_term = self.next_unit_price_amount = self.pending_seats = None
        self.renewal_pending_for = self.renewal_requested_at = None
        self.payment_error = None
        self.version += 1
        return self.renewal_date

    def record_payment_error(self, reason: str, invoice_id: str) -> bool:
        """Shown as an alert until a later payment succeeds (R-PAY-4); nothing is renewed.
        A failure of an invoice that has since been paid changes nothing."""
        if invoice_id == self.last_paid_invoice_id:
            return False
        self.payment_error = reason
        self.version += 1
        return True

    def record_paid_invoice(self, invoice_id: str) -> None:
        self.last_paid_invoice_id = invoice_id

    def expire_if_past(self, today: date, grace_days: int) -> bool:
        """Past its renewal date unrenewed, the subscription expires (R-SUB-13). An auto-renew
        subscription, or a renewal awaiting payment (automatic retries, an open renewal
        invoice), gets `grace_days` first: the renewal sweep and payment retries run meanwhile."""
        if self.status not in (Status.ACTIVE, Status.TRIAL) or self.renewal_date >= today:
            return False
        protected = self.renewal_pending or (self.auto_renew and self.status == Status.ACTIVE)
        if protected and (today - self.renewal_date).days <= grace_days:
            return False
        self.status = Status.EXPIRED
        self.expired_on = self.renewal_date
        self.auto_renew = False
        self.renewal_pending_for = self.renewal_requested_at = None
        self.version += 1
        return True

    # --- auto-renew, payment method, term -------------------------------------------------

    def set_auto_renew(self, on: bool, method: PaymentMethodView | None) -> bool:
        """Turn auto-renew on or off (R-SUB-4). On needs a valid recurring method (R-SUB-5) and
        never a manual-only kind (R-SUB-9). Returns whether anything changed."""
        if on == self.auto_renew:
            return False
        if on:
            self._refuse_unless_active("auto-renew")
            if self.purchase_method == PurchaseMethod.PARTNER:
                raise ChangeNotAllowed(
                    "managed_by_partner",
                    "This subscription is renewed through your partner; ask them to change it.",
                )
            _check_recurring(method, self.payment_method_id)
        self.auto_renew = on
        self.version += 1
        return True

    def link_payment_method(self, method: PaymentMethodView) -> bool:
        """Pay this subscription with another saved method (R-PAY-1)."""
        if self.status in (Status.EXPIRED, Status.CANCELLED):
            self._refuse_unless_active("payment method change")
        if not method.active:
            raise ChangeNotAllowed(
                "payment_method_deleted", "That payment method was deleted; choose another one."
            )
        if self.auto_renew:
            _check_recurring(method, method.id)
        if self.payment_method_id == method.id:
            return False
        self.payment_method_id = method.id
        self.payment_error = None
        self.version += 1
        return True

    def change_term(self, term: Term, unit_price: Money | None) -> bool:
        """Takes effect at the next renewal, with the new term's price (R-SUB-8). `unit_price`
        None means the product is not sold on that term in this region/currency."""
        self._refuse_unless_active("term change")
        self._refuse_while_renewal_pending("change the term")
        if term == self.term:
            changed = self.next_term is not None
            self.next_term = self.next_unit_price_amount = None
        else:
            if unit_price is None:
                raise ChangeNotAllowed(
                    "term_not_available",
                    f"{self.product_name} is not sold on a {term.value} term in {self.currency};"
                    " keep the current term or contact sales.",
                )
            if unit_price.currency != self.currency:
                raise ChangeNotAllowed(
                    "currency_mismatch", "The new term must be priced in the same currency."
                )
            changed = (self.next_term, self.next_unit_price_amount) != (term, unit_price.amount)
            self.next_term, self.next_unit_price_amount = term, unit_price.amount
        if changed:
            self.version += 1
        return changed

    # --- seats ------------------------------------------------------------------------------

    def change_seats(self, seats: int, today: date) -> SeatChange:
        """R-SEAT-1..3: only auto-renew subscriptions bought online directly. Adding seats is
        charged now, pro rata for the rest of the current term; reducing applies at renewal."""
        self._refuse_unless_active("seat change")
        if self.purchase_method != PurchaseMethod.ONLINE_DIRECT:
            raise ChangeNotAllowed(
                "seats_not_online_direct",
                "Seats can be changed online only for subscriptions bought online directly;"
                " ask your partner or sales contact for this one (R-SEAT-1).",
            )
        if not self.auto_renew:
            raise ChangeNotAllowed(
                "seats_require_auto_renew",
                "Turn auto-renew on to change seats online (R-SEAT-1).",
            )
        if seats < 1:
            raise ChangeNotAllowed("seats_invalid", "A subscription keeps at least one seat.")
        previous = self.seats_at_renewal
        if seats == previous:
            raise ChangeNotAllowed(
                "seats_unchanged", f"The subscription already has {seats} seats at renewal."
            )
        if seats < self.seats:
            self._refuse_while_renewal_pending("reduce seats")
            self.pending_seats = seats
            self.version += 1
            return SeatChange("reduced", previous, seats, self.renewal_date)
        if seats == self.seats:  # cancelling a pending reduction costs nothing
            self.pending_seats = None
            self.version += 1
            return SeatChange("added", previous, seats, today, Money.zero(self.currency))
        if self.renewal_date <= today:
            raise ChangeNotAllowed(
                "renewal_in_progress",
                "The current term ends today; add seats once the renewal is paid.",
            )
        prorated = prorated_seat_charge(
            self.unit_price, seats - self.seats, today, self.renewal_date, self.term
        )
        added = SeatChange(
            "added",
            previous,
            seats,
            today,
            prorated,
            period_start=today,
            period_end=self.renewal_date,
        )
        self.seats = seats
        self.pending_seats = None
        self.version += 1
        return added


def prorated_seat_charge(
    unit_price: Money, added: int, today: date, renewal_date: date, term: Term
) -> Money:
    """Added seats pay for the days left in the current term (R-SEAT-2): exactly
    unit_price * added * days_left / days_in_term, rounded half up to the minor unit once, on
    the total (not per seat). days_in_term counts the real calendar days of this term."""
    term_start = add_months(renewal_date, -term.months)
    days_in_term = (renewal_date - term_start).days
    days_left = min((renewal_date - today).days, days_in_term)
    return (unit_price * added).pro_rata(days_left, days_in_term)


def _check_recurring(method: PaymentMethodView | None, method_id: str | None) -> None:
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


@dataclass(eq=False)
class BillingAddressView:
    """The account's billing address, from customer-changed events: a tax estimate in the cart
    uses the same table and rounding as invoicing (shared/tax.py)."""

    csn: str
    country: str
    region: str | None
    version_at: str


def renewal_group_key(sub: Subscription) -> tuple[str, str, str]:
    """Bulk renewals are grouped by CSN, currency and purchase method (R-SUB-11)."""
    return (sub.csn, sub.currency, sub.purchase_method.value)


class CartStatus(StrEnum):
    OPEN = "open"
    ORDERED = "ordered"


@dataclass(eq=False)
class RenewalCart:
    """A manual renewal before purchase (R-SUB-10): what each line costs, the tax and the total.
    All lines share one CSN, currency and purchase method (R-SUB-11); checking out places one
    order. Lines are a snapshot (JSON) so the customer buys exactly what they reviewed."""

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
    groups = {renewal_group_key(s) for s in subs}
    if len(groups) > 1:
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


def check_cart_still_valid(cart: RenewalCart, subs: dict[str, Subscription], today: date) -> None:
    """At checkout the customer buys exactly what the cart showed, or nothing (all-or-nothing)."""
    if cart.status != CartStatus.OPEN:
        raise RenewalNotAllowed(
            "cart_already_ordered", "This cart was already ordered; see your order history."
        )
    for line in cart.lines:
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
