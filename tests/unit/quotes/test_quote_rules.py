"""Pure rules of quotes: eligibility (R-QUO-5), refusals (R-QUO-6), promotions (R-QUO-7),
recipients (R-QUO-3, R-QUO-4), life cycle (R-QUO-1, R-QUO-2) and buyers (R-ROLE-4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.quotes.domain.drafting import (
    LineRequest,
    PriceBook,
    QuoteRequest,
    draft_lines,
)
from services.quotes.domain.eligibility import (
    SubscriptionSnapshot,
    ensure_buyer_quotes_one_subscription,
    group_for_renewal_quote,
)
from services.quotes.domain.model import (
    Address,
    LineKind,
    Quote,
    QuoteOrigin,
    QuoteStatus,
    partner_recipients,
    self_service_recipients,
)
from services.quotes.domain.pricing import Offer, Promotion, apply_promotions, estimate_tax
from shared.errors import DomainError, NotFound
from shared.money import Money
from shared.principal import Role
from shared.terms import renewal_id_for

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)


def snapshot(sub_id: str = "sub-1", **changes: object) -> SubscriptionSnapshot:
    base = SubscriptionSnapshot(
        subscription_id=sub_id,
        csn="5100000001",
        contract_id=None,
        team_id="team",
        product_code="CAD-PRO",
        product_name="CAD Pro",
        status="active",
        seats=10,
        seats_at_renewal=10,
        term="annual",
        term_at_renewal="annual",
        unit_price=189_000,
        currency="EUR",
        renewal_amount=1_890_000,
        auto_renew=False,
        start_date=date(2025, 12, 31),
        renewal_date=date(2026, 12, 31),
        purchase_method="quote",
        payment_method_id=None,
        collection="manual",
        partner_csn=None,
        occurred_at=NOW,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


BOOK = PriceBook(
    offers={
        ("RENDER", "annual", "EUR"): Offer("RENDER", "Render Cloud", "annual", "EUR", 49_000),
        ("SIM", "annual", "EUR"): Offer("SIM", "Simulation Suite", "annual", "EUR", 99_000),
        ("CAD-PRO", "three_year", "EUR"): Offer("CAD-PRO", "CAD Pro", "three_year", "EUR", 510_300),
    },
    promotions=[
        Promotion("MULTIYEAR-10", "Three-year term: 10% off", Decimal("0.10"), term="three_year"),
        Promotion(
            "CAD-LOYALTY-5",
            "CAD Pro loyalty",
            Decimal("0.05"),
            product_code="CAD-PRO",
            line_kind="renewal",
            valid_from=date(2026, 1, 1),
            valid_until=date(2027, 12, 31),
        ),
    ],
)


def draft(
    *lines: LineRequest, subs: list[SubscriptionSnapshot] | None = None, **request: object
) -> list:  # type: ignore[type-arg]
    found = {s.subscription_id: s for s in subs or [snapshot()]}
    quote_request = QuoteRequest(lines=list(lines), **request)  # type: ignore[arg-type]
    return draft_lines(quote_request, found, BOOK, TODAY, held={}).lines


def refused_code(call: object) -> str:
    with pytest.raises(DomainError) as err:
        call()  # type: ignore[operator]
    return err.value.code


# --- eligibility (R-QUO-5) -----------------------------------------------------------------------
def test_renewal_line_starts_on_the_current_renewal_date_and_lasts_one_term() -> None:
    """R-QUO-5: renewal lines are for period_start = the current renewal date."""
    [line] = draft(LineRequest(subscription_id="sub-1"))
    assert (line.period_start, line.period_end) == (date(2026, 12, 31), date(2027, 12, 31))
    assert line.renewal_id == renewal_id_for("sub-1", date(2026, 12, 31))


@pytest.mark.parametrize("status", ["trial", "expired", "cancelled"])
def test_only_active_subscriptions_can_be_quoted(status: str) -> None:
    """R-QUO-5 (and R-SUB-6, R-SUB-7)."""
    sub = snapshot(status=status)
    assert refused_code(lambda: draft(LineRequest(subscription_id="sub-1"), subs=[sub])) == (
        "subscription_not_active"
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"currency": "USD"}, "mixed_currencies"),
        ({"partner_csn": "7700000001"}, "mixed_partners"),
        ({"purchase_method": "online_direct"}, "mixed_purchase_methods"),
        ({"csn": "5100000002"}, "mixed_customers"),
    ],
)
def test_all_subscriptions_of_a_quote_share_csn_currency_partner_and_purchase_method(
    change: dict[str, str], code: str
) -> None:
    """R-QUO-5: same customer CSN and currency; same partner when an agent of record is
    involved; one purchase method (the R-QUO-4 grouping)."""
    subs = [snapshot("sub-1"), snapshot("sub-2", **change)]
    lines = [LineRequest(subscription_id="sub-1"), LineRequest(subscription_id="sub-2")]
    assert refused_code(lambda: draft(*lines, subs=subs)) == code


def test_renewals_cannot_be_mixed_with_new_lines() -> None:
    """R-QUO-5."""
    lines = [
        LineRequest(subscription_id="sub-1"),
        LineRequest(kind=LineKind.NEW, product_code="SIM", seats=1, term="annual"),
    ]
    assert refused_code(lambda: draft(*lines, currency="EUR")) == (
        "renewal_mixed_with_new_or_coterm"
    )


def test_new_and_coterm_lines_may_share_a_quote() -> None:
    """R-QUO-5: new and co-term purchases go together; the co-term one ends on the target's
    renewal date, priced pro rata of its term."""
    new, coterm = draft(
        LineRequest(kind=LineKind.NEW, product_code="SIM", seats=2, term="annual"),
        LineRequest(kind=LineKind.COTERM, product_code="RENDER", seats=1, coterm_with="sub-1"),
    )
    assert new.period_end == date(2027, 11, 22) and new.list_amount == 198_000
    assert (coterm.period_start, coterm.period_end) == (TODAY, date(2026, 12, 31))
    assert coterm.list_amount == Money(49_000, "EUR").pro_rata(39, 365).amount


def test_a_renewal_already_on_a_sent_quote_is_not_quoted_twice() -> None:
    found = {"sub-1": snapshot()}
    groups, ineligible = group_for_renewal_quote(["sub-1"], found, {"sub-1": "Q1-00001"})
    assert groups == [] and ineligible[0].code == "subscription_already_quoted"


def test_renewal_groups_split_by_csn_currency_purchase_method_and_partner() -> None:
    """R-QUO-4."""
    found = {
        "a": snapshot("a"),
        "b": snapshot("b"),
        "c": snapshot("c", purchase_method="online_direct"),
        "d": snapshot("d", status="trial"),
    }
    groups, ineligible = group_for_renewal_quote(["a", "b", "c", "d", "x"], found, {})
    assert sorted(len(g.subscriptions) for g in groups) == [1, 2]
    assert [(i.subscription_id, i.code) for i in ineligible] == [
        ("d", "subscription_not_active"),
        ("x", "subscription_not_found"),
    ]


def test_a_term_the_price_list_does_not_sell_is_refused() -> None:
    """R-QUO-5 with R-SUB-8: a renewal on another term needs that term to be sold."""
    assert refused_code(lambda: draft(LineRequest(subscription_id="sub-1", term="monthly"))) == (
        "product_not_offered"
    )


def test_unknown_subscription_is_not_found() -> None:
    with pytest.raises(NotFound):
        draft(LineRequest(subscription_id="elsewhere"))


# --- refusals (R-QUO-6) -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "request_fields", "code"),
    [
        (LineRequest(subscription_id="sub-1"), {"currency": "USD"}, "currency_change_not_allowed"),
        (LineRequest(subscription_id="sub-1", seats=11), {}, "seat_addition_not_allowed"),
        (
            LineRequest(subscription_id="sub-1", purchase_option="success_plan"),
            {},
            "purchase_option_not_allowed",
        ),
        (
            LineRequest(subscription_id="sub-1", purchase_option="value_based"),
            {},
            "purchase_option_not_allowed",
        ),
        (
            LineRequest(subscription_id="sub-1"),
            {"new_credit_line": True},
            "new_credit_line_not_allowed",
        ),
        (
            LineRequest(subscription_id="sub-1"),
            {"start_date": date(2027, 2, 1)},
            "planned_start_date_not_allowed",
        ),
        (
            LineRequest(kind=LineKind.COTERM, product_code="CAD-PRO", seats=2, coterm_with="sub-1"),
            {},
            "seat_addition_not_allowed",
        ),
    ],
)
def test_each_forbidden_change_is_refused_with_its_own_code(
    line: LineRequest, request_fields: dict[str, object], code: str
) -> None:
    """R-QUO-6."""
    assert refused_code(lambda: draft(line, **request_fields)) == code


def test_fewer_seats_and_the_renewal_date_as_start_are_allowed() -> None:
    """R-QUO-6 refuses adding seats and planned dates, not reducing or restating them."""
    [line] = draft(LineRequest(subscription_id="sub-1", seats=4), start_date=date(2026, 12, 31))
    assert line.seats == 4 and line.list_amount == 4 * 189_000


def test_address_cannot_change_once_the_quote_is_sent() -> None:
    """R-QUO-6: a new quote is needed."""
    quote = sent_quote()
    code = refused_code(lambda: quote.change_address(Address("x", "Paris", "FR"), TODAY))
    assert code == "address_change_after_sending_not_allowed"


def test_customer_cannot_cancel_a_quote_but_the_partner_can() -> None:
    """R-QUO-6: cancelling is for the partner."""
    quote = sent_quote()
    assert refused_code(lambda: quote.cancel("bea", NOW, by_partner=False)) == (
        "quote_cancellation_not_allowed"
    )
    quote.cancel("partner", NOW, by_partner=True)
    assert quote.status == QuoteStatus.CANCELLED


# --- promotions (R-QUO-7) ---------------------------------------------------------------------
def test_promotions_apply_by_rule_within_their_window() -> None:
    """R-QUO-7: CAD loyalty (dated, renewals of CAD Pro) and multi-year (three-year terms)."""
    [line] = draft(LineRequest(subscription_id="sub-1", term="three_year"))
    assert line.unit_price == 510_300  # another term: the price list's price (R-SUB-8)
    assert [p.code for p in line.promotions] == ["CAD-LOYALTY-5", "MULTIYEAR-10"]
    first = Money(line.list_amount, "EUR").times_rate(Decimal("0.05"))
    second = (Money(line.list_amount, "EUR") - first).times_rate(Decimal("0.10"))
    assert line.discount == first.amount + second.amount
    assert line.amount == line.list_amount - line.discount

    outside = replace(BOOK.promotions[1], valid_until=date(2026, 11, 21))
    assert (
        apply_promotions(
            Money(100, "EUR"),
            [outside],
            product_code="CAD-PRO",
            term="annual",
            kind="renewal",
            on=TODAY,
        )
        == []
    )


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    percents=st.lists(st.integers(min_value=0, max_value=100), max_size=4),
)
def test_discounts_never_exceed_the_amount(amount: int, percents: list[int]) -> None:
    """R-QUO-7: stacked promotions each take a share of what is left, never more."""
    promos = [Promotion(f"P{i}", "p", Decimal(p) / 100) for i, p in enumerate(percents)]
    applied = apply_promotions(
        Money(amount, "EUR"), promos, product_code="X", term="annual", kind="new", on=TODAY
    )
    assert 0 <= sum(p.amount for p in applied) <= amount


# --- recipients, buyers, life cycle ------------------------------------------------------------
def test_self_service_quote_goes_to_at_most_four_recipients() -> None:
    """R-QUO-4."""
    assert len(self_service_recipients([f"p{i}@x.example" for i in range(4)])) == 4
    assert (
        refused_code(lambda: self_service_recipients([f"p{i}@x.example" for i in range(5)]))
        == "too_many_recipients"
    )


def test_partner_quote_goes_to_any_company_contact_plus_five_more() -> None:
    """R-QUO-3."""
    contacts = {f"staff{i}@acme.example" for i in range(8)}
    outside = [f"p{i}@other.example" for i in range(5)]
    assert len(partner_recipients([*sorted(contacts), *outside], contacts)) == 13
    assert (
        refused_code(lambda: partner_recipients([*outside, "sixth@other.example"], contacts))
        == "too_many_additional_recipients"
    )


def test_buyer_quotes_one_subscription_others_may_quote_more() -> None:
    """R-ROLE-4."""
    ensure_buyer_quotes_one_subscription(frozenset({Role.BUYER}), 1)
    ensure_buyer_quotes_one_subscription(frozenset({Role.CONTRACT_MANAGER}), 3)
    assert (
        refused_code(lambda: ensure_buyer_quotes_one_subscription(frozenset({Role.BUYER}), 2))
        == "buyer_quotes_one_subscription"
    )


def new_quote() -> Quote:
    quote = Quote(
        id="q",
        number="Q5100000001-00001",
        csn="5100000001",
        origin=QuoteOrigin.SELF_SERVICE,
        status=QuoteStatus.DRAFT,
        currency="EUR",
        purchase_method="quote",
        created_by="alice",
        created_at=NOW,
        validity_days=30,
        recipients=["buyer@acme.example"],
        billing_address=Address("Friedrichstrasse 68", "Berlin", "DE"),
    )
    quote.replace_lines(draft(LineRequest(subscription_id="sub-1")), TODAY)
    estimate_tax(quote)
    return quote


def sent_quote() -> Quote:
    quote = new_quote()
    quote.send(NOW)
    return quote


def test_totals_and_tax_estimate_from_the_billing_address() -> None:
    """R-QUO-1 detail: 10 x 1,890.00 EUR less 5% loyalty, German VAT 19% on the net line."""
    quote = new_quote()
    net = 1_890_000 - 94_500
    assert (quote.subtotal, quote.discount_total) == (1_890_000, 94_500)
    assert quote.tax == Money(net, "EUR").times_rate(Decimal("0.19")).amount
    assert quote.total == net + quote.tax and quote.tax_name == "Umsatzsteuer 19%"


def test_sent_quote_expires_after_its_validity() -> None:
    """Expiry = sent date + validity; valid through that date, expired the day after."""
    quote = sent_quote()
    assert quote.expires_on == TODAY + timedelta(days=30)
    assert quote.is_active(TODAY + timedelta(days=30))
    assert quote.display_status(TODAY + timedelta(days=31)) == QuoteStatus.EXPIRED
    assert not quote.is_active(TODAY + timedelta(days=31))


def test_quote_is_accepted_once_and_never_once_expired() -> None:
    """R-QUO-2."""
    quote = sent_quote()
    assert refused_code(lambda: new_quote().accept("a", NOW, None)) == "quote_not_sent"
    late = NOW + timedelta(days=31)
    assert refused_code(lambda: sent_quote().accept("a", late, None)) == "quote_expired"
    quote.accept("alice", NOW, "pm-1")
    assert quote.status == QuoteStatus.ACCEPTED
    assert refused_code(lambda: quote.accept("alice", NOW, None)) == "quote_already_accepted"
