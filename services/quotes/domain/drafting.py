"""From what a customer or partner asks to be quoted to priced quote lines: eligibility
(R-QUO-5), the changes a quote refuses (R-QUO-6) and promotions (R-QUO-7)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from services.quotes.domain.eligibility import (
    SubscriptionSnapshot,
    ensure_kinds_not_mixed,
    ensure_one_group,
    not_quotable,
)
from services.quotes.domain.model import LineKind, QuoteLine, QuoteRefused
from services.quotes.domain.pricing import Offer, Promotion, apply_promotions
from shared.errors import NotFound
from shared.money import Money
from shared.terms import days_left_in_term, pro_rata_for_rest_of_term, term_end

STANDARD_OPTION = "standard"


@dataclass(frozen=True)
class LineRequest:
    kind: LineKind = LineKind.RENEWAL
    subscription_id: str | None = None  # renewal: the subscription renewed
    product_code: str | None = None  # new and co-term: the product bought
    seats: int | None = None  # renewal: defaults to the seats at renewal
    term: str | None = None  # renewal: defaults to the term at renewal
    coterm_with: str | None = None  # co-term: ends on this subscription's renewal date
    purchase_option: str = STANDARD_OPTION


@dataclass(frozen=True)
class QuoteRequest:
    lines: list[LineRequest]
    currency: str | None = None
    start_date: date | None = None
    new_credit_line: bool = False


@dataclass
class PriceBook:
    """What prices a quote: the price list and the promotions table, read once per request."""

    offers: dict[tuple[str, str, str], Offer] = field(default_factory=dict)
    promotions: list[Promotion] = field(default_factory=list)

    def offer(self, product_code: str, term: str, currency: str) -> Offer:
        found = self.offers.get((product_code, term, currency))
        if found is None:
            raise QuoteRefused(
                "product_not_offered",
                f"{product_code} is not sold for a {term} term in {currency}; pick another "
                "term, or ask your partner.",
            )
        return found


@dataclass(frozen=True)
class DraftedLines:
    lines: list[QuoteLine]
    currency: str
    purchase_method: str | None
    partner_csn: str | None


def refuse_forbidden_requests(request: QuoteRequest) -> None:
    """What a quote never holds, each refused with its own code (R-QUO-6)."""
    if request.new_credit_line:
        raise QuoteRefused(
            "new_credit_line_not_allowed",
            "A quote cannot open a new credit line. Pay with a saved payment method or on your "
            "existing payment terms; ask your partner about credit.",
        )
    for line in request.lines:
        if line.purchase_option != STANDARD_OPTION:
            raise QuoteRefused(
                "purchase_option_not_allowed",
                f"Success plans and value-based purchase options ({line.purchase_option}) are "
                "not available on a quote; remove that option, and contact your partner to "
                "buy it.",
            )


def _seats_for(sub: SubscriptionSnapshot, asked: int | None) -> int:
    if asked is None:
        return sub.seats_at_renewal
    if asked > sub.seats:
        raise QuoteRefused(
            "seat_addition_not_allowed",
            f"A renewal quote cannot add seats: {sub.subscription_id} has {sub.seats}, "
            f"{asked} were asked. A contract manager adds seats on the subscription first "
            "(R-SEAT-2), then the renewal can be quoted.",
        )
    return asked


def _line(
    position: int,
    kind: LineKind,
    *,
    subscription_id: str | None,
    product_code: str,
    product_name: str,
    seats: int,
    term: str,
    unit_price: Money,
    list_amount: Money,
    period_start: date,
    period_end: date,
    book: PriceBook,
    today: date,
) -> QuoteLine:
    applied = apply_promotions(
        list_amount,
        book.promotions,
        product_code=product_code,
        term=term,
        kind=kind.value,
        on=today,
    )
    discount = sum(p.amount for p in applied)
    return QuoteLine(
        id=str(uuid.uuid4()),
        position=position,
        kind=kind,
        subscription_id=subscription_id,
        product_code=product_code,
        product_name=product_name,
        seats=seats,
        term=term,
        unit_price=unit_price.amount,
        list_amount=list_amount.amount,
        discount=discount,
        amount=list_amount.amount - discount,
        tax=0,
        promotions=applied,
        period_start=period_start,
        period_end=period_end,
    )


def _subscription(subs: dict[str, SubscriptionSnapshot], sub_id: str) -> SubscriptionSnapshot:
    sub = subs.get(sub_id)
    if sub is None:
        raise NotFound("subscription", sub_id)
    return sub


def draft_lines(
    request: QuoteRequest,
    subs: dict[str, SubscriptionSnapshot],
    book: PriceBook,
    today: date,
    held: dict[str, str],
) -> DraftedLines:
    """Priced lines for a request. `subs`: the subscriptions the caller may quote (their
    account's, or for a partner those it is agent of record of); `held`: subscription id ->
    number of the sent or accepted quote that already holds its current renewal."""
    refuse_forbidden_requests(request)
    if not request.lines:
        raise QuoteRefused("quote_has_no_lines", "Pick at least one subscription to quote.")
    ensure_kinds_not_mixed(line.kind for line in request.lines)
    quoted = [line.subscription_id for line in request.lines if line.subscription_id]
    if len(set(quoted)) != len(quoted):
        raise QuoteRefused("duplicate_line", "Each subscription appears once on a quote.")

    involved: list[SubscriptionSnapshot] = []
    for line in request.lines:
        for sub_id in (line.subscription_id, line.coterm_with):
            if sub_id is None:
                continue
            sub = _subscription(subs, sub_id)
            refusal = not_quotable(
                sub, held.get(sub_id) if sub_id == line.subscription_id else None
            )
            if refusal is not None:
                raise refusal
            involved.append(sub)
    ensure_one_group(involved)

    currency = involved[0].currency if involved else request.currency
    if currency is None:
        raise QuoteRefused(
            "currency_required", "Give the currency of a quote for new purchases only."
        )
    lines: list[QuoteLine] = []
    for position, asked in enumerate(request.lines, start=1):
        if asked.kind == LineKind.RENEWAL:
            lines.append(_renewal_line(position, asked, subs, book, today))
        else:
            lines.append(_purchase_line(position, asked, subs, book, today, currency))
    refuse_changed_terms(request, currency, lines)
    first = involved[0] if involved else None
    return DraftedLines(
        lines=lines,
        currency=currency,
        purchase_method=first.purchase_method if first else None,
        partner_csn=first.partner_csn if first else None,
    )


def _renewal_line(
    position: int,
    asked: LineRequest,
    subs: dict[str, SubscriptionSnapshot],
    book: PriceBook,
    today: date,
) -> QuoteLine:
    """A renewal starts on the current renewal date at the subscription's own price; another
    term is priced from the price list, as a term change is (R-SUB-8); promotions may lower
    it (R-QUO-5, R-QUO-7)."""
    sub = _subscription(subs, asked.subscription_id or "")
    term = asked.term or sub.term_at_renewal
    if term == sub.term:
        unit = Money(sub.unit_price, sub.currency)
    else:
        unit = Money(book.offer(sub.product_code, term, sub.currency).unit_price, sub.currency)
    seats = _seats_for(sub, asked.seats)
    return _line(
        position,
        LineKind.RENEWAL,
        subscription_id=sub.subscription_id,
        product_code=sub.product_code,
        product_name=sub.product_name,
        seats=seats,
        term=term,
        unit_price=unit,
        list_amount=unit * seats,
        period_start=sub.renewal_date,
        period_end=term_end(sub.renewal_date, term),
        book=book,
        today=today,
    )


def _purchase_line(
    position: int,
    asked: LineRequest,
    subs: dict[str, SubscriptionSnapshot],
    book: PriceBook,
    today: date,
    currency: str,
) -> QuoteLine:
    """A new subscription starts today for a full term; a co-term one starts today and ends
    on another subscription's renewal date, priced pro rata of that subscription's term."""
    if asked.product_code is None or asked.seats is None:
        raise QuoteRefused(
            "line_incomplete", f"A {asked.kind} line needs a product_code and seats."
        )
    if asked.kind == LineKind.NEW:
        if asked.term is None:
            raise QuoteRefused("line_incomplete", "A new line needs a term.")
        offer = book.offer(asked.product_code, asked.term, currency)
        unit = Money(offer.unit_price, currency)
        end = term_end(today, asked.term)
        list_amount = unit * asked.seats
    else:
        if asked.coterm_with is None:
            raise QuoteRefused(
                "line_incomplete", "A co-term line needs coterm_with: the subscription to align to."
            )
        target = _subscription(subs, asked.coterm_with)
        if target.product_code == asked.product_code:
            raise QuoteRefused(
                "seat_addition_not_allowed",
                f"Co-terming more {asked.product_code} onto {target.subscription_id} adds seats "
                "to it, which a quote cannot do; a contract manager adds seats on the "
                "subscription (R-SEAT-2).",
            )
        offer = book.offer(asked.product_code, target.term, currency)
        unit = Money(offer.unit_price, currency)
        end = target.renewal_date
        if days_left_in_term(today, end, target.term) <= 0:
            raise QuoteRefused(
                "coterm_date_passed",
                f"{target.subscription_id} renews on {end}; quote its renewal first.",
            )
        list_amount = pro_rata_for_rest_of_term(unit * asked.seats, today, end, target.term)
    return _line(
        position,
        asked.kind,
        subscription_id=None,
        product_code=offer.product_code,
        product_name=offer.product_name,
        seats=asked.seats,
        term=offer.term,
        unit_price=unit,
        list_amount=list_amount,
        period_start=today,
        period_end=end,
        book=book,
        today=today,
    )


def refuse_changed_terms(request: QuoteRequest, currency: str, lines: list[QuoteLine]) -> None:
    """No currency change, and no planned start date: a renewal starts on the current renewal
    date, a purchase today (R-QUO-6)."""
    if request.currency is not None and request.currency != currency:
        raise QuoteRefused(
            "currency_change_not_allowed",
            f"A quote keeps the subscriptions' currency ({currency}); it cannot be changed to "
            f"{request.currency}. To pay in another currency, buy a new subscription in it.",
        )
    start = request.start_date
    for line in lines:
        if start is not None and line.period_start != start:
            raise QuoteRefused(
                "planned_start_date_not_allowed",
                f"Quotes do not take planned start dates: {line.product_name} starts on "
                f"{line.period_start}, not {start}. Remove start_date, or ask for the quote "
                "closer to the date you need.",
            )
