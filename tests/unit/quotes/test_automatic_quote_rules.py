"""Automatic renewal quotes (R-QUO-8): which renewals, grouped how, for whom, valid until when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.quotes.domain.automatic import (
    automatic_recipients,
    group_renewals,
    renewal_paid_elsewhere,
    renews_manually,
    valid_until,
    window_opened,
)
from services.quotes.domain.eligibility import SubscriptionSnapshot
from services.quotes.domain.model import LineKind, Quote, QuoteLine, QuoteOrigin, QuoteStatus

TODAY = date(2027, 1, 10)


def snapshot(sub_id: str, days: int = 90, **changes: Any) -> SubscriptionSnapshot:
    values: dict[str, Any] = {
        "subscription_id": sub_id,
        "csn": "5100000009",
        "contract_id": None,
        "team_id": "t",
        "product_code": "CAD-PRO",
        "product_name": "CAD Pro",
        "status": "active",
        "seats": 2,
        "seats_at_renewal": 2,
        "term": "annual",
        "term_at_renewal": "annual",
        "unit_price": 1000,
        "currency": "EUR",
        "renewal_amount": 2000,
        "auto_renew": False,
        "start_date": TODAY,
        "renewal_date": TODAY + timedelta(days=days),
        "purchase_method": "quote",
        "payment_method_id": None,
        "collection": "manual",
        "partner_csn": None,
        "occurred_at": datetime(2027, 1, 1, tzinfo=UTC),
        **changes,
    }
    return SubscriptionSnapshot(**values)


def test_quoted_when_the_manual_window_opens_not_long_after() -> None:
    """R-QUO-8: 90 days before the renewal date; a missed run catches up within a week only."""
    assert window_opened(snapshot("a", days=90), TODAY, 7)
    assert window_opened(snapshot("a", days=84), TODAY, 7)
    assert not window_opened(snapshot("a", days=83), TODAY, 7)
    assert not window_opened(snapshot("a", days=91), TODAY, 7)


def test_only_active_manual_renewals_are_quoted() -> None:
    """R-QUO-8, R-SUB-9: auto-renew off or a manual-only method; never a trial."""
    assert renews_manually(snapshot("a"))
    assert renews_manually(snapshot("a", auto_renew=True, collection="manual"))
    assert not renews_manually(snapshot("a", auto_renew=True, collection="automatic"))
    assert not renews_manually(snapshot("a", status="trial"))


def test_one_quote_per_renewal_group() -> None:
    """R-QUO-8 with the R-QUO-5 grouping: CSN, currency, purchase method, agent of record."""
    groups = group_renewals(
        [
            snapshot("a"),
            snapshot("b", days=88),
            snapshot("c", currency="USD"),
            snapshot("d", partner_csn="7700000001"),
        ]
    )
    assert sorted(sorted(s.subscription_id for s in g.subscriptions) for g in groups) == [
        ["a", "b"],
        ["c"],
        ["d"],
    ]
    ab = next(g for g in groups if len(g.subscriptions) == 2)
    assert valid_until(ab) == TODAY + timedelta(days=88)  # until the (first) renewal date


def test_sent_to_primary_admins_and_contract_managers() -> None:
    """R-QUO-8."""
    assert automatic_recipients(
        [
            {"email": "b@x.example", "roles": ["buyer"]},
            {"email": "Cm@x.example", "roles": ["contract_manager"]},
            {"email": "a@x.example", "roles": ["primary_admin", "contract_manager"]},
        ]
    ) == ["a@x.example", "Cm@x.example"]


def test_only_automatic_quotes_are_withdrawn_as_advice() -> None:
    """R-QUO-8: advice, not a hold; a customer's own quote is never withdrawn this way."""
    now = datetime(2027, 1, 10, tzinfo=UTC)

    def quote(origin: QuoteOrigin) -> Quote:
        return Quote(
            id="q",
            number="Q1",
            csn="1",
            origin=origin,
            status=QuoteStatus.SENT,
            currency="EUR",
            purchase_method="quote",
            created_by="x",
            created_at=now,
            validity_days=30,
        )

    automatic = quote(QuoteOrigin.AUTOMATIC)
    assert automatic.withdraw_advice("superseded by quote Q2", now)
    assert (automatic.status, automatic.cancellation_reason) == (
        QuoteStatus.CANCELLED,
        "superseded by quote Q2",
    )
    own = quote(QuoteOrigin.SELF_SERVICE)
    assert not own.withdraw_advice("x", now)
    assert own.status == QuoteStatus.SENT


def advice_for(*renewals: tuple[str, date]) -> Quote:
    """An automatic quote with one renewal line per (subscription, quoted period start)."""
    quote = Quote(
        id="q",
        number="Q1",
        csn="1",
        origin=QuoteOrigin.AUTOMATIC,
        status=QuoteStatus.SENT,
        currency="EUR",
        purchase_method="quote",
        created_by="automatic-renewal-quotes",
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
        validity_days=90,
    )
    quote.lines = [
        QuoteLine(
            id=f"l{n}",
            position=n,
            kind=LineKind.RENEWAL,
            subscription_id=sub_id,
            product_code="CAD-PRO",
            product_name="CAD Pro",
            seats=1,
            term="annual",
            unit_price=1000,
            list_amount=1000,
            discount=0,
            amount=1000,
            tax=0,
            promotions=[],
            period_start=start,
            period_end=start + timedelta(days=365),
        )
        for n, (sub_id, start) in enumerate(renewals)
    ]
    return quote


def test_a_renewal_paid_another_way_is_the_one_whose_date_moved_past_the_quote() -> None:
    """R-QUO-8: the renewal date moved past the quoted period: paid another way. The same
    date, or a subscription the batch does not hold or no snapshot of, is not."""
    due, next_year = TODAY + timedelta(days=90), TODAY + timedelta(days=455)
    advice = advice_for(("a", due), ("b", due))
    assert renewal_paid_elsewhere(advice, ["a", "b"], {"a": due, "b": due}) is None
    assert renewal_paid_elsewhere(advice, ["a", "b"], {"a": due, "b": next_year}) == "b"
    assert renewal_paid_elsewhere(advice, ["a"], {"a": due, "b": next_year}) is None
    assert renewal_paid_elsewhere(advice, ["c", "b"], {"b": next_year, "c": next_year}) == "b"
    assert renewal_paid_elsewhere(advice, ["a", "b"], {"b": due}) is None  # no snapshot of a


def test_a_quote_of_several_renewals_paid_another_way_names_the_first_in_batch_order() -> None:
    """R-QUO-8: one reason per cancelled quote, as when the snapshots came one at a time."""
    due, next_year = TODAY + timedelta(days=90), TODAY + timedelta(days=455)
    advice = advice_for(("a", due), ("b", due))
    moved = {"a": next_year, "b": next_year}
    assert renewal_paid_elsewhere(advice, ["b", "a"], moved) == "b"
    assert renewal_paid_elsewhere(advice, ["a", "b"], moved) == "a"
