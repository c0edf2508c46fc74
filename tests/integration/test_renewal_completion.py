"""Completing a renewal from `invoice-paid` on PostgreSQL (R-QUO-2, R-SUB-12): the seats, term
and price of the paid renewal line are applied even when subscriptions never heard of the quote
that sold them (its `quote-accepted` late or lost), and a second delivery changes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import messaging, subscriptions
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PurchaseMethod, Status, Term
from services.subscriptions.service_layer.event_handlers import complete_renewal
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.events import InvoiceLineRef, InvoicePaid
from shared.messaging.outbox import build_envelope

CSN = "5100000008"
RENEWAL_DATE = date(2026, 3, 1)


def paid(line: InvoiceLineRef) -> InvoicePaid:
    return InvoicePaid(
        invoice_id="inv-completion",
        invoice_number="INV-1",
        csn=CSN,
        currency="EUR",
        total=line.amount,
        paid_at=datetime(2026, 2, 20, tzinfo=UTC),
        lines=[line],
    )


async def test_a_paid_quoted_renewal_applies_its_seats_and_term_without_the_quote(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    uow, clock = subscriptions_uow, SystemClock()

    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions).where(subscriptions.c.csn == CSN))
    async with uow() as u:
        u.subscriptions.add(
            Subscription(
                id="sub-completion",
                csn=CSN,
                team_id="t",
                product_code="CAD-PRO",
                product_name="CAD Pro",
                seats=6,
                term=Term.ANNUAL,
                unit_price_amount=189_000,
                currency="EUR",
                auto_renew=False,
                start_date=date(2025, 3, 1),
                renewal_date=RENEWAL_DATE,
                status=Status.ACTIVE,
                purchase_method=PurchaseMethod.QUOTE,
            )
        )
        await u.commit()

    line = InvoiceLineRef(
        subscription_id="sub-completion",
        renewal_id=uuid.uuid4(),
        period_start=RENEWAL_DATE,
        period_end=date(2029, 3, 1),
        amount=5 * 510_300,
        kind="renewal",
        seats=5,
        unit_amount=510_300,
    )
    event = paid(line)
    envelope = build_envelope(
        event, producer="tests", clock=clock, correlation_id=None, causation_id=None
    )
    for _ in range(2):  # the second delivery finds the term already renewed
        async with uow() as u:
            await complete_renewal(event, envelope, u)
            await u.commit()

    async with clean_messaging.connect() as conn:
        row = (
            await conn.execute(select(subscriptions).where(subscriptions.c.id == "sub-completion"))
        ).one()
        payloads = [
            json.loads(p) for p in (await conn.scalars(select(messaging.outbox.c.payload))).all()
        ]
    assert (row.seats, row.term, row.unit_price_amount, row.renewal_date) == (
        5,
        "three_year",
        510_300,
        date(2029, 3, 1),
    )
    assert row.pending_seats is None and row.next_term is None
    renewed = [p["data"] for p in payloads if p["type"] == "subscription-renewed"]
    assert [(r["seats"], r["term"], r["previous_renewal_date"]) for r in renewed] == [
        (5, "three_year", RENEWAL_DATE.isoformat())
    ]
