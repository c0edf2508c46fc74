"""Renewals completed a batch of invoice-paid events at a time (issue 13, R-SUB-8, R-SUB-12,
R-SEAT-3): the batch function leaves exactly the subscription rows and the
subscription-changed / subscription-renewed events the one-event handler leaves when the
same events come one transaction at a time, on PostgreSQL and on SQLite."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.subscriptions.adapters.orm as orm
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.batches import complete_renewals
from services.subscriptions.service_layer.event_handlers import complete_renewal
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import FixedClock
from shared.db import session_factory
from shared.events import Envelope, InvoiceLineRef, InvoicePaid
from tests.integration.conftest import MIGRATIONS
from tests.integration.invoicing.twins import envelope, migrated, twin_urls

Twins = tuple[AsyncEngine, AsyncEngine]
Item = tuple[InvoicePaid, Envelope]
NOW = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
RENEWS = date(2026, 3, 1)
FIELDS = dataclasses.fields(Subscription)


@pytest.fixture(scope="module", params=["configured", "sqlite"])
def urls(
    request: pytest.FixtureRequest, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    yield from twin_urls(request.param, artifacts, tmp_path_factory)


@pytest.fixture(scope="module")
async def twins(urls: dict[str, str]) -> AsyncIterator[Twins]:
    async for pair in migrated(urls, MIGRATIONS):
        yield pair


def uow_of(engine: AsyncEngine, cause: Envelope | None = None) -> SubscriptionsUnitOfWork:
    return SubscriptionsUnitOfWork(
        session_factory(engine),
        FixedClock(NOW),
        "subscriptions",
        orm.messaging,
        correlation_id=cause.correlation_id if cause else None,
        causation_id=str(cause.event_id) if cause else None,
    )


def subscription(n: int, **changes: Any) -> Subscription:
    fields: dict[str, Any] = {
        "id": f"sub-{n:04d}",
        "csn": f"CSN{n % 3}",
        "team_id": "team-1",
        "product_code": "CAD-PRO",
        "product_name": "CAD Pro",
        "seats": 3,
        "term": Term.ANNUAL,
        "unit_price_amount": 10_000 + n,
        "currency": "EUR",
        "auto_renew": True,
        "start_date": date(2025, 3, 1),
        "renewal_date": RENEWS,
        "status": Status.ACTIVE,
        "purchase_method": PurchaseMethod.ONLINE_DIRECT,
        "payment_method_id": "pm-1",
        "renewal_pending_for": RENEWS,
        "renewal_requested_at": NOW,
    }
    return Subscription(**{**fields, **changes})


async def seeded(twins: Twins, subs: list[Subscription]) -> None:
    for engine in twins:
        async with engine.begin() as conn:
            for table in (orm.messaging.outbox, orm.subscriptions, orm.payment_methods):
                await conn.execute(delete(table))
        async with uow_of(engine) as uow:
            uow.subscriptions.add(
                PaymentMethodView(
                    "pm-1", "CSN0", PaymentMethodKind.CARD, "Visa", True, True, True, ""
                )
            )
            for sub in subs:
                uow.subscriptions.add(
                    Subscription(**{f.name: getattr(sub, f.name) for f in FIELDS})
                )
            await uow.commit()


def line(sub: Subscription, start: date = RENEWS, **changes: Any) -> InvoiceLineRef:
    fields: dict[str, Any] = {
        "subscription_id": sub.id,
        "renewal_id": uuid.uuid4(),
        "period_start": start,
        "period_end": date(start.year + 1, start.month, start.day),
        "amount": sub.seats * sub.unit_price_amount,
        "kind": "renewal",
        "seats": sub.seats,
        "unit_amount": sub.unit_price_amount,
    }
    return InvoiceLineRef(**{**fields, **changes})


def paid(csn: str, *lines: InvoiceLineRef, currency: str = "EUR") -> InvoicePaid:
    return InvoicePaid(
        invoice_id=f"inv-{uuid.uuid4().hex[:8]}",
        invoice_number="INV-1",
        csn=csn,
        currency=currency,
        total=sum(x.amount for x in lines),
        paid_at=NOW,
        lines=list(lines),
    )


async def state(engine: AsyncEngine) -> dict[str, Any]:
    outbox = orm.messaging.outbox
    async with engine.connect() as conn:
        subs = [dict(r._mapping) for r in await conn.execute(select(orm.subscriptions))]
        published = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    rows = []
    for r in published:
        payload = json.loads(r.payload)
        del payload["event_id"]  # drawn at random per row
        rows.append({"topic": r.topic, "key": r.message_key, "envelope": payload})
    return {"subscriptions": sorted(subs, key=lambda s: s["id"]), "outbox": rows}


async def both_ways(twins: Twins, items: list[Item], size: int) -> tuple[dict, dict]:
    single, batched = twins
    for event, env in items:
        async with uow_of(single, env) as uow:
            await complete_renewal(event, env, uow)
            await uow.commit()
    for start in range(0, len(items), size):
        async with uow_of(batched) as uow:
            await complete_renewals(items[start : start + size], uow)
            await uow.commit()
    return await state(single), await state(batched)


async def test_a_mixed_batch_leaves_what_one_event_at_a_time_leaves(twins: Twins) -> None:
    """Pending seats and term (R-SEAT-3, R-SUB-8), an expired one paid late, another
    currency, another account's, an unknown one, added seats, one invoice for two, the same
    invoice twice, and two consecutive terms of one subscription in one batch."""
    s = [subscription(n) for n in range(8)]
    s[1] = subscription(
        1, pending_seats=2, next_term=Term.THREE_YEAR, next_unit_price_amount=27_000
    )
    s[2] = subscription(2, status=Status.EXPIRED, expired_on=RENEWS, auto_renew=False)
    s[3] = subscription(3, currency="USD")
    await seeded(twins, s)
    both = paid(s[0].csn, line(s[0]), line(s[6]))
    events = [
        paid(s[1].csn, line(s[1], seats=5, unit_amount=26_000, period_end=date(2029, 3, 1))),
        paid(s[2].csn, line(s[2])),
        paid(s[3].csn, line(s[3])),
        paid("OTHER", line(s[4])),
        paid(s[5].csn, line(s[5], kind="seats_added", seats=None, unit_amount=None)),
        paid("CSN0", line(subscription(999))),
        both,
        both,
        paid(s[7].csn, line(s[7])),
        paid(s[7].csn, line(s[7], date(2027, 3, 1))),
    ]
    items = [(e, envelope(e)) for e in events]

    one, batch = await both_ways(twins, items, size=50)

    assert batch == one
    renewed = [r["key"] for r in batch["outbox"] if r["topic"] == "subscription-renewed"]
    assert renewed == [s[1].id, s[2].id, s[3].id, s[0].id, s[6].id, s[7].id, s[7].id]
    by_id = {row["id"]: row for row in batch["subscriptions"]}
    assert (by_id[s[1].id]["seats"], by_id[s[1].id]["term"]) == (5, "three_year")
    assert by_id[s[7].id]["renewal_date"] == date(2028, 3, 1)
    assert by_id[s[5].id]["last_paid_invoice_id"] == events[4].invoice_id
    assert by_id[s[2].id]["status"] == "active"


async def test_the_same_invoice_twice_in_one_batch_renews_once(twins: Twins) -> None:
    sub = subscription(1)
    await seeded(twins, [sub])
    event = paid(sub.csn, line(sub))

    one, batch = await both_ways(twins, [(event, envelope(event)), (event, envelope(event))], 2)

    assert batch == one
    assert [r["topic"] for r in batch["outbox"]] == ["subscription-renewed", "subscription-changed"]
    assert batch["subscriptions"][0]["version"] == 2


async def test_a_batch_of_one(twins: Twins) -> None:
    sub = subscription(1)
    await seeded(twins, [sub])
    event = paid(sub.csn, line(sub))

    one, batch = await both_ways(twins, [(event, envelope(event))], 1)

    assert batch == one
    assert batch["subscriptions"][0]["renewal_date"] == date(2027, 3, 1)
    [renewed, changed] = batch["outbox"]
    assert renewed["envelope"]["causation_id"] == changed["envelope"]["causation_id"]


async def test_a_batch_of_two_hundred(twins: Twins) -> None:
    subs = [subscription(n) for n in range(200)]
    await seeded(twins, subs)
    items = [(e, envelope(e)) for e in (paid(sub.csn, line(sub)) for sub in subs)]

    one, batch = await both_ways(twins, items, 200)

    assert batch == one
    assert {row["renewal_date"] for row in batch["subscriptions"]} == {date(2027, 3, 1)}
    assert len(batch["outbox"]) == 400
