"""The three hot paths of a renewal, one event per transaction (the services' handlers today)
against a batch per transaction (the set-based functions of issue 13), in-process on
PostgreSQL (no broker: the handler, its unit of work and its commit only; the processed-event
insert is the consumer's and left out on both sides).

    python -m bench.hotpaths                  # 2,000 events, batches of 200
    python -m bench.hotpaths --count 500 --batch 100

Each path runs on two fresh databases seeded alike: renewal-requested → invoice, order and
outbox rows (invoicing); payment-succeeded → invoice paid (invoicing); invoice-paid →
subscription renewed (subscriptions). Prints events/s, CPU ms per event of this process
(PostgreSQL's own CPU is not counted) and the load average, and checks the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.invoicing.adapters.orm as invoicing_orm
import services.subscriptions.adapters.orm as subscriptions_orm
from services.invoicing.domain.model import Customer
from services.invoicing.service_layer import batches, orders, payments
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer import batches as subscription_batches
from services.subscriptions.service_layer import event_handlers
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import FixedClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.events import (
    Envelope,
    EventData,
    InvoiceLineRef,
    InvoicePaid,
    PaymentSucceeded,
    RenewalRequested,
)
from shared.events.base import MoneyField
from shared.infra.postgres import test_databases

NOW = datetime(2026, 2, 27, 9, 0, tzinfo=UTC)
RENEWS = date(2026, 3, 1)
ACCOUNTS = 50  # as make bench: 50 accounts, German VAT
Item = tuple[Any, Envelope]
Uow = Callable[[Envelope | None], Any]


def _migrations(orm: Any) -> Path:
    return Path(orm.__file__).resolve().parent.parent / "migrations"


def _envelope(event: EventData) -> Envelope:
    event_id = uuid.uuid4()
    return Envelope(
        event_id=event_id,
        type=event.topic,
        version=event.version,
        occurred_at=NOW,
        producer="bench",
        correlation_id=f"corr-{event_id}",
        key=event.aggregate_key(),
        data=event.model_dump(mode="json"),
    )


def _uow_factory(engine: AsyncEngine, cls: type, orm: Any, producer: str) -> Uow:
    sessions, clock = session_factory(engine), FixedClock(NOW)

    def make(cause: Envelope | None) -> Any:
        return cls(
            sessions,
            clock,
            producer,
            orm.messaging,
            correlation_id=cause.correlation_id if cause else None,
            causation_id=str(cause.event_id) if cause else None,
        )

    return make


async def _one_by_one(
    uow: Uow, handler: Callable[..., Awaitable[None]], items: Sequence[Item]
) -> None:
    for event, envelope in items:
        async with uow(envelope) as u:
            await handler(event, envelope, u)
            await u.commit()


async def _batches(
    uow: Uow, fn: Callable[..., Awaitable[None]], items: Sequence[Item], size: int
) -> None:
    for start in range(0, len(items), size):
        async with uow(None) as u:
            await fn(items[start : start + size], u)
            await u.commit()


async def _timed(label: str, run: Awaitable[None], count: int) -> dict[str, Any]:
    load, cpu, wall = os.getloadavg()[0], time.process_time(), time.perf_counter()
    await run
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures = {
        "path": label,
        "events/s": round(count / wall, 1),
        "CPU ms/event": round(cpu * 1000 / count, 2),
        "wall s": round(wall, 2),
        "load 1m": f"{load:.1f}→{os.getloadavg()[0]:.1f}",
    }
    print(figures, flush=True)
    return figures


async def _seed_customers(uow: Uow) -> None:
    async with uow(None) as u:
        for n in range(ACCOUNTS):
            u.customers.add(Customer(f"B{n:03d}", f"Bench {n}", "Str 1", "Berlin", "10117", "DE"))
        await u.commit()


def _renewals(count: int) -> list[Item]:
    events = [
        RenewalRequested(
            renewal_id=uuid.uuid4(),
            subscription_id=f"sub-{n:05d}",
            csn=f"B{n % ACCOUNTS:03d}",
            team_id="team-1",
            product_code="CAD-PRO",
            product_name="CAD Pro",
            seats=3,
            term="annual",
            unit_price=MoneyField(amount=189_000, currency="EUR"),
            period_start=RENEWS,
            period_end=date(2027, 3, 1),
            payment_method_id="pm-bench",
            collection="automatic",
        )
        for n in range(count)
    ]
    return [(e, _envelope(e)) for e in events]


async def _charges(engine: AsyncEngine) -> list[Item]:
    async with engine.connect() as conn:
        found = (await conn.execute(select(invoicing_orm.invoices))).all()
    events = [
        PaymentSucceeded(
            charge_id=f"ch-{i.number}",
            invoice_id=i.id,
            csn=i.csn,
            amount=i.total,
            currency=i.currency,
            payment_method_id="pm-bench",
            provider_charge_id=f"psp-{i.number}",
            attempt=1,
        )
        for i in found
    ]
    return [(e, _envelope(e)) for e in events]


async def _count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def bench_invoicing(urls: dict[str, str], count: int, size: int) -> list[dict[str, Any]]:
    """renewal-requested then payment-succeeded, one by one on one database, batched on the
    other; every renewal invoiced once and paid once on both."""
    results, engines = [], []
    for way in ("one", "batch"):
        engine = create_engine(urls[f"invoicing_{way}"])
        await upgrade_to_head(engine, _migrations(invoicing_orm))
        uow = _uow_factory(engine, InvoicingUnitOfWork, invoicing_orm, "invoicing")
        await _seed_customers(uow)
        items = _renewals(count)
        if way == "one":
            run = _one_by_one(uow, orders.issue_renewal_invoice, items)
        else:
            run = _batches(uow, batches.issue_renewal_invoices, items, size)
        results.append(await _timed(f"invoicing renewal-requested, {way}", run, count))
        charges = await _charges(engine)
        if way == "one":
            run = _one_by_one(uow, payments.apply_payment, charges)
        else:
            run = _batches(uow, batches.apply_payments, charges, size)
        results.append(await _timed(f"invoicing payment-succeeded, {way}", run, count))
        engines.append(engine)
    for engine in engines:
        invoices = invoicing_orm.invoices
        paid = await _count(engine, invoices, invoices.c.status == "paid")
        made = await _count(engine, invoicing_orm.orders)
        published = await _count(engine, invoicing_orm.messaging.outbox)
        assert paid == made == count and published == 2 * count, (paid, made, published)
        await engine.dispose()
    return results


def _subscriptions(count: int) -> list[Subscription]:
    return [
        Subscription(
            id=f"sub-{n:05d}",
            csn=f"B{n % ACCOUNTS:03d}",
            team_id="team-1",
            product_code="CAD-PRO",
            product_name="CAD Pro",
            seats=3,
            term=Term.ANNUAL,
            unit_price_amount=189_000,
            currency="EUR",
            auto_renew=True,
            start_date=date(2025, 3, 1),
            renewal_date=RENEWS,
            status=Status.ACTIVE,
            purchase_method=PurchaseMethod.ONLINE_DIRECT,
            payment_method_id="pm-bench",
            renewal_pending_for=RENEWS,
            renewal_requested_at=NOW,
        )
        for n in range(count)
    ]


def _paid(sub: Subscription) -> InvoicePaid:
    line = InvoiceLineRef(
        subscription_id=sub.id,
        renewal_id=uuid.uuid4(),
        period_start=RENEWS,
        period_end=date(2027, 3, 1),
        amount=3 * 189_000,
        kind="renewal",
        seats=3,
        unit_amount=189_000,
    )
    return InvoicePaid(
        invoice_id=str(uuid.uuid4()),
        invoice_number=f"{sub.csn}-{sub.id}",
        csn=sub.csn,
        currency="EUR",
        total=line.amount,
        paid_at=NOW,
        lines=[line],
    )


async def bench_subscriptions(urls: dict[str, str], count: int, size: int) -> list[dict[str, Any]]:
    """invoice-paid → subscription renewed, one by one and batched; each renewed once."""
    results = []
    for way in ("one", "batch"):
        engine = create_engine(urls[f"subscriptions_{way}"])
        await upgrade_to_head(engine, _migrations(subscriptions_orm))
        uow = _uow_factory(engine, SubscriptionsUnitOfWork, subscriptions_orm, "subscriptions")
        subs = _subscriptions(count)
        async with uow(None) as u:
            u.subscriptions.add(
                PaymentMethodView(
                    "pm-bench", "B000", PaymentMethodKind.CARD, "Visa", True, True, True, ""
                )
            )
            for sub in subs:
                u.subscriptions.add(sub)
            await u.commit()
        items = [(e, _envelope(e)) for e in map(_paid, subs)]
        if way == "one":
            run = _one_by_one(uow, event_handlers.complete_renewal, items)
        else:
            run = _batches(uow, subscription_batches.complete_renewals, items, size)
        results.append(await _timed(f"subscriptions invoice-paid, {way}", run, count))
        table = subscriptions_orm.subscriptions
        renewed = await _count(engine, table, table.c.renewal_date == date(2027, 3, 1))
        published = await _count(engine, subscriptions_orm.messaging.outbox)
        assert renewed == count and published == 2 * count, (renewed, published)
        await engine.dispose()
    return results


async def _main(urls: dict[str, str], count: int, size: int) -> None:
    results = await bench_invoicing(urls, count, size)
    results += await bench_subscriptions(urls, count, size)
    print(f"\n{count} events, batches of {size}; every outcome checked (once each)")
    print("| path | events/s | CPU ms/event | wall s | load 1m |\n|---|---|---|---|---|")
    for r in results:
        print("| " + " | ".join(str(v) for v in r.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    names = [f"{s}_{w}" for s in ("invoicing", "subscriptions") for w in ("one", "batch")]
    with tempfile.TemporaryDirectory() as folder, test_databases(names, Path(folder)) as urls:
        if not urls[names[0]].startswith("postgresql"):
            print("warning: PostgreSQL not reachable, measuring SQLite")
        asyncio.run(_main(urls, args.count, args.batch))


if __name__ == "__main__":
    main()
