"""Two invoicing databases fed the same events — one event per transaction through the
one-event handler, or a batch per transaction through the batch function — and their rows
compared once the ids drawn at random (invoices, lines, orders, outbox events) are named by
what they are (issue 13)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.invoicing.adapters.orm as orm
from services.invoicing.domain.model import Customer
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.clock import FixedClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.events import Envelope, EventData, RenewalRequested
from shared.events.base import MoneyField
from shared.infra.postgres import test_databases
from tests.integration.invoicing.conftest import ISSUED_AT, MIGRATIONS

Item = tuple[Any, Envelope]
OneByOne = Callable[[Any, Envelope, InvoicingUnitOfWork], Awaitable[None]]
Batch = Callable[[Sequence[Item], InvoicingUnitOfWork], Awaitable[None]]
TABLES = (
    orm.messaging.outbox,
    orm.credit_applications,
    orm.credit_note_lines,
    orm.credit_notes,
    orm.payment_requests,
    orm.invoice_payments,
    orm.orders,
    orm.invoice_lines,
    orm.invoices,
    orm.document_sequences,
    orm.customers,
)
# Billing addresses with different tax rules (R-INV-5); csn → (country, region).
ACCOUNTS = {"HP1": ("DE", None), "HP2": ("US", "NY"), "HP3": ("JP", None), "HP4": ("FR", None)}


def twin_urls(
    backend: str, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """(one event at a time, batches): two fresh databases on the configured backend
    (PostgreSQL here) or two SQLite files; a test module's sync fixture yields them."""
    names = ["hp_one_by_one", "hp_batches"]
    if backend == "sqlite":
        folder = tmp_path_factory.mktemp("hotpaths")
        yield {n: f"sqlite+aiosqlite:///{folder}/{n}.db" for n in names}
        return
    with test_databases(names, artifacts / "sqlite") as urls:
        yield urls


async def migrated(
    urls: dict[str, str], migrations: Path = MIGRATIONS
) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Both databases migrated with a service's schema (invoicing's by default)."""
    engines = [create_engine(urls[n]) for n in ("hp_one_by_one", "hp_batches")]
    for engine in engines:
        await upgrade_to_head(engine, migrations)
    yield engines[0], engines[1]
    for engine in engines:
        await engine.dispose()


def uow_of(engine: AsyncEngine, cause: Envelope | None = None) -> InvoicingUnitOfWork:
    """As the consumer opens it: one event's correlation, or none for a batch."""
    return InvoicingUnitOfWork(
        session_factory(engine),
        FixedClock(ISSUED_AT),
        "invoicing",
        orm.messaging,
        correlation_id=cause.correlation_id if cause else None,
        causation_id=str(cause.event_id) if cause else None,
    )


async def fresh(*engines: AsyncEngine) -> None:
    """Empty tables and the same billing accounts in each database."""
    for engine in engines:
        async with engine.begin() as conn:
            for table in TABLES:
                await conn.execute(delete(table))
        async with uow_of(engine) as uow:
            for csn, (country, region) in ACCOUNTS.items():
                uow.customers.add(
                    Customer(csn, f"Company {csn}", "1 Main St", "City", "10001", country, region)
                )
            await uow.commit()


def envelope(event: EventData, event_id: uuid.UUID | None = None) -> Envelope:
    event_id = event_id or uuid.uuid4()
    return Envelope(
        event_id=event_id,
        type=event.topic,
        version=event.version,
        occurred_at=ISSUED_AT,
        producer="test",
        correlation_id=f"corr-{event_id}",
        key=event.aggregate_key(),
        data=event.model_dump(mode="json"),
    )


def renewal(csn: str, renewal_id: uuid.UUID, n: int = 1) -> RenewalRequested:
    currency = {"HP2": "USD", "HP3": "JPY"}.get(csn, "EUR")
    return RenewalRequested(
        renewal_id=renewal_id,
        subscription_id=f"sub-{csn}-{n}",
        csn=csn,
        team_id="team-1",
        product_code="CAD-PRO",
        product_name="CAD Pro",
        seats=1 + n % 7,
        term="annual",
        unit_price=MoneyField(amount=10_001 + 37 * n, currency=currency),
        period_start=date(2026, 3, 1),
        period_end=date(2027, 3, 1),
        payment_method_id="pm-card",
        collection="automatic",
    )


async def one_by_one(engine: AsyncEngine, handler: OneByOne, items: Sequence[Item]) -> None:
    for event, env in items:
        async with uow_of(engine, env) as uow:
            await handler(event, env, uow)
            await uow.commit()


async def in_batches(engine: AsyncEngine, fn: Batch, items: Sequence[Item], size: int) -> None:
    for start in range(0, len(items), size):
        async with uow_of(engine) as uow:
            await fn(items[start : start + size], uow)
            await uow.commit()


async def state(engine: AsyncEngine) -> dict[str, list[Any]]:
    """Every row of every invoicing table and the outbox, random ids named by what they are."""
    async with engine.connect() as conn:
        rows = {t.name: [dict(r._mapping) for r in await conn.execute(select(t))] for t in TABLES}
        outbox = orm.messaging.outbox
        published = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    names: dict[str, str] = {}
    for inv in rows["invoices"]:
        names[inv["id"]] = f"invoice {inv['number']}"
        if inv["order_id"]:
            names[inv["order_id"]] = f"order of {inv['number']}"
    for line in rows["invoice_lines"]:
        names[line["id"]] = f"line {names[line['invoice_id']]}/{line['position']}"
    for note in rows["credit_notes"]:
        names[note["id"]] = f"credit note {note['number']}"
    for line in rows["credit_note_lines"]:
        names[line["id"]] = f"credit line {names[line['credit_note_id']]}/{line['position']}"

    def named(value: Any) -> Any:
        text = json.dumps(value, default=str, sort_keys=True)
        for random_id, name in names.items():
            text = text.replace(random_id, name)
        return json.loads(text)

    del rows["outbox"]
    tables = {t: sorted(named(rs), key=lambda r: json.dumps(r)) for t, rs in rows.items()}
    tables["outbox"] = [_published(r, named) for r in published]
    return tables


def _published(row: Any, named: Callable[[Any], Any]) -> dict[str, Any]:
    envelope = json.loads(row.payload)
    del envelope["event_id"]  # drawn at random per row
    return named({"topic": row.topic, "key": row.message_key, "envelope": envelope})
