"""The subscription aggregate: renewals, auto-renew, payment method, term and seats. Pure rules,
no database, no broker, no settings. Every refusal is a DomainError with a stable code and a
message that says what to do instead; rule numbers refer to SPEC.md. Each change records its
event and moves the version (the unit of work publishes them, see aggregate.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.subscriptions.domain import events, rules
from services.subscriptions.domain.criteria import Criterion, holds
from services.subscriptions.domain.refusals import (
    refuse_seat_change,
    refuse_unless_active,
    refuse_unless_it_backs_auto_renewal,
    refuse_while_renewal_pending,
)
from services.subscriptions.domain.values import (
    BoughtTerm,
    ChangeNotAllowed,
    PurchaseMethod,
    Renewal,
    RenewalNotAllowed,
    SeatChange,
    Status,
    Term,
    next_renewal_date,
    prorated_seat_charge,
)
from services.subscriptions.domain.views import PaymentMethodView
from shared.aggregate import Aggregate
from shared.errors import DomainError
from shared.money import Money
from shared.terms import renewal_id_for


@dataclass(eq=False)
class Subscription(Aggregate):
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

    def meets(self, criterion: Criterion, method: PaymentMethodView | None = None) -> bool:
        """Evaluate a rule of rules.py on this subscription and its payment method."""

        def fact(name: str) -> Any:
            if name.startswith("method."):
                return None if method is None else getattr(method, name.removeprefix("method."))
            return getattr(self, name)

        return holds(criterion, fact)

    def renews_automatically(self, method: PaymentMethodView | None) -> bool:
        """Auto-renew on and a valid recurring payment method (R-SUB-5, R-SUB-9)."""
        return self.meets(rules.RENEWS_AUTOMATICALLY, method)

    def is_due_for_auto_renewal(self, today: date, method: PaymentMethodView | None) -> bool:
        return self.meets(rules.due_for_auto_renewal(today), method)

    def days_to_renewal(self, today: date) -> int:
        return (self.renewal_date - today).days

    @property
    def manual_renewal_opens_on(self) -> date:
        return rules.manual_renewal_opens_on(self.renewal_date)

    @property
    def renewal_pending(self) -> bool:
        return self.meets(rules.RENEWAL_PENDING)

    def is_visible_to(self, assigned_only_to: str | None) -> bool:
        """Plain users see only the subscriptions assigned to them (R-ROLE-1)."""
        return assigned_only_to is None or self.assigned_to == assigned_only_to

    # --- renewals -----------------------------------------------------------------------

    def request_renewal(self, now: datetime) -> Renewal:
        """Start renewing the current term; the date moves only once it is paid (R-SUB-12)."""
        refuse_unless_active(self.status, "renewal")
        renewal = self.next_renewal()
        self.renewal_pending_for = self.renewal_date
        self.renewal_requested_at = now
        self.record(events.RenewalRequested(renewal))
        self.new_version()
        return renewal

    def renewal_unanswered(self, now: datetime, after: timedelta) -> bool:
        """The sweep asked for this term's invoice `after` ago or more and it is still not
        paid: a message on the way may have been lost (issue 16)."""
        return self.meets(rules.renewal_unanswered(now, after))

    def request_renewal_again(self, now: datetime) -> Renewal:
        """The same request, for the same term (same renewal id): receivers dedup it."""
        self.renewal_requested_at = now
        renewal = self.next_renewal()
        self.record(events.RenewalRequested(renewal))
        return renewal

    def check_manual_renewal(self, today: date) -> None:
        """Anyone with the right role may renew manually within 90 days of the renewal date
        (R-SUB-9, R-SUB-10); the renewal date still never moves (R-SUB-12)."""
        refuse_unless_active(self.status, "manual renewal")
        if self.renewal_pending:
            raise RenewalNotAllowed(
                "renewal_already_pending",
                "This term's renewal is already ordered and awaiting payment; pay its invoice"
                " instead of ordering again.",
            )
        days, window = self.days_to_renewal(today), rules.MANUAL_RENEWAL_WINDOW_DAYS
        if days > window:
            raise RenewalNotAllowed(
                "outside_renewal_window",
                f"Manual renewal opens {window} days before the renewal date"
                f" ({self.renewal_date.isoformat()}); come back in"
                f" {days - window} days (R-SUB-9).",
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
        self.new_version()
        return True

    def _plan_next_term(self, bought: BoughtTerm) -> None:
        """The next term is the one bought: its seats, term and price replace pending ones."""
        self.pending_seats = None if bought.seats == self.seats else bought.seats
        self.next_term = None if bought.term == self.term else bought.term
        price = bought.unit_price_amount
        self.next_unit_price_amount = None if price == self.unit_price_amount else price

    def complete_renewal(
        self,
        period_start: date,
        paid: BoughtTerm | None = None,
        *,
        invoice_id: str = "",
        renewal_id: uuid.UUID | None = None,
    ) -> date | None:
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
        previous, renewal = self.renewal_date, self.next_renewal()
        self.renewal_date = renewal.period_end
        self.term = renewal.term
        self.seats = renewal.seats
        self.unit_price_amount = renewal.unit_price.amount
        self.next_term = self.next_unit_price_amount = self.pending_seats = None
        self.renewal_pending_for = self.renewal_requested_at = None
        self.payment_error = None
        self.record(
            events.Renewed(
                renewal_id, invoice_id, self.term, self.seats, previous, self.renewal_date
            )
        )
        self.new_version()
        return self.renewal_date

    def record_payment_error(self, reason: str, invoice_id: str) -> bool:
        """Shown as an alert until a later payment succeeds (R-PAY-4); nothing is renewed.
        A failure of an invoice that has since been paid changes nothing."""
        if invoice_id == self.last_paid_invoice_id:
            return False
        self.payment_error = reason
        self.new_version()
        return True

    def record_paid_invoice(self, invoice_id: str) -> None:
        self.last_paid_invoice_id = invoice_id

    def expire_if_past(self, today: date, grace_days: int) -> bool:
        """Past its renewal date unrenewed, the subscription expires (R-SUB-13); see
        rules.expired_by for the grace an auto-renewal or a pending renewal gets."""
        if not self.meets(rules.expired_by(today, grace_days)):
            return False
        self.status = Status.EXPIRED
        self.expired_on = self.renewal_date
        self.auto_renew = False
        self.renewal_pending_for = self.renewal_requested_at = None
        self.record(events.Expired(self.renewal_date))
        self.new_version()
        return True

    # --- auto-renew, payment method, term -------------------------------------------------

    def set_auto_renew(
        self,
        on: bool,
        method: PaymentMethodView | None,
        *,
        changed_by: str = "",
        batch_id: uuid.UUID | None = None,
    ) -> bool:
        """Turn auto-renew on or off (R-SUB-4). On needs a valid recurring method (R-SUB-5) and
        never a manual-only kind (R-SUB-9). Returns whether anything changed."""
        if on == self.auto_renew:
            return False
        if on:
            refuse_unless_active(self.status, "auto-renew")
            if self.purchase_method == PurchaseMethod.PARTNER:
                raise ChangeNotAllowed(
                    "managed_by_partner",
                    "This subscription is renewed through your partner; ask them to change it.",
                )
            refuse_unless_it_backs_auto_renewal(method, self.payment_method_id)
        self.auto_renew = on
        self.record(events.AutoRenewSet(on, changed_by, batch_id))
        self.new_version()
        return True

    def link_payment_method(self, method: PaymentMethodView) -> bool:
        """Pay this subscription with another saved method (R-PAY-1)."""
        if self.status in (Status.EXPIRED, Status.CANCELLED):
            refuse_unless_active(self.status, "payment method change")
        if not method.active:
            raise ChangeNotAllowed(
                "payment_method_deleted", "That payment method was deleted; choose another one."
            )
        if self.auto_renew:
            refuse_unless_it_backs_auto_renewal(method, method.id)
        if self.payment_method_id == method.id:
            return False
        self.payment_method_id = method.id
        self.payment_error = None
        self.new_version()
        return True

    def change_term(self, term: Term, unit_price: Money | None) -> bool:
        """Takes effect at the next renewal, with the new term's price (R-SUB-8). `unit_price`
        None means the product is not sold on that term in this region/currency."""
        refuse_unless_active(self.status, "term change")
        refuse_while_renewal_pending(self.renewal_pending, "change the term")
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
            self.new_version()
        return changed

    # --- seats ------------------------------------------------------------------------------

    def change_seats(self, seats: int, today: date) -> SeatChange:
        """R-SEAT-1..3: adding seats is charged now, pro rata for the rest of the current term;
        reducing applies at renewal."""
        refuse_seat_change(self, seats)
        previous = self.seats_at_renewal
        if seats < self.seats:
            refuse_while_renewal_pending(self.renewal_pending, "reduce seats")
            self.pending_seats = seats
            self.new_version()
            return SeatChange("reduced", previous, seats, self.renewal_date)
        if seats == self.seats:  # cancelling a pending reduction costs nothing
            self.pending_seats = None
            self.new_version()
            return SeatChange("added", previous, seats, today, Money.zero(self.currency))
        if self.renewal_date <= today:
            raise ChangeNotAllowed(
                "renewal_in_progress",
                "The current term ends today; add seats once the renewal is paid.",
            )
        prorated = prorated_seat_charge(
            self.unit_price, seats - self.seats, today, self.renewal_date, self.term
        )
        self.seats, self.pending_seats = seats, None
        self.new_version()
        return SeatChange("added", previous, seats, today, prorated, today, self.renewal_date)

    def order_seats(
        self,
        seats: int,
        today: date,
        method: PaymentMethodView | None,
        *,
        placed_by: str,
        order_id: uuid.UUID | None,
    ) -> SeatChange:
        """Change seats and, for added seats, order their charge to the subscription's card or
        wallet (R-SEAT-2), which must be chargeable now. `order_id` None: a preview."""
        change = self.change_seats(seats, today)
        if change.charged:
            if not self.renews_automatically(method):
                raise DomainError(
                    "payment_method_invalid",
                    "Added seats are charged to the subscription's card or wallet, which can't"
                    " be charged now; update it or choose another method.",
                )
            change = SeatChange(**{**change.__dict__, "order_id": order_id})
        self.record(
            events.SeatsChanged(
                change, self.term, self.unit_price_amount, self.payment_method_id, placed_by
            )
        )
        return change
