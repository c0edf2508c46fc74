"""invoice-issued a batch at a time (`batches.on_invoice_issued_batch`, called directly with
an opened unit of work as the batch consumer will): the same invoices, charges and
announcements as one event at a time, in a few statements."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.payments.adapters.orm as orm
from services.payments.adapters.provider import SandboxProvider
from services.payments.domain.model import PaymentMethodKind
from services.payments.service_layer import batches, handlers
from shared.events import Envelope, EventData
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import add_method, invoice, published, send

Items = list[tuple[Any, Envelope]]


def delivered(event: EventData) -> tuple[Any, Envelope]:
    return (
        event,
        Envelope(
            event_id=uuid.uuid4(),
            type=event.topic,
            version=event.version,
            occurred_at=event.issue_date,  # type: ignore[attr-defined]
            producer="test",
            correlation_id=f"corr-{uuid.uuid4().hex[:6]}",
            key=event.aggregate_key(),
            data=event.model_dump(mode="json"),
        ),
    )


def mixed_batch() -> Items:
    """Automatic on a card, twice the same invoice, on a konbini method (R-SUB-9), nothing
    due, paid by hand, on a method of another account, and one charged before this batch."""
    return [
        delivered(invoice("inv-card-1")),
        delivered(invoice("inv-card-2", amount_due=500, total=500)),
        delivered(invoice("inv-card-1")),
        delivered(invoice("inv-konbini", payment_method_id="pm-konbini")),
        delivered(invoice("inv-zero", amount_due=0)),
        delivered(invoice("inv-manual", collection="manual", payment_method_id=None)),
        delivered(invoice("inv-unknown-method", payment_method_id="pm-nowhere")),
        delivered(invoice("inv-before")),
    ]


async def rows(db: AsyncEngine, table: Table) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        found = await conn.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in found]


async def state(db: AsyncEngine) -> dict[str, Any]:
    return {
        "charges": await rows(db, orm.charges),
        "invoices": await rows(db, orm.invoice_views),
        "succeeded": await published(db, "payment-succeeded"),
    }


async def start(
    uow: UowFactory, sandbox: SandboxProvider, db: AsyncEngine, before: tuple[Any, Envelope]
) -> None:
    """Empty, but for the methods and one invoice charged and paid before the batch."""
    async with db.begin() as conn:
        for table in (orm.charges, orm.invoice_views, orm.messaging.outbox):
            await conn.execute(delete(table))
    async with uow() as u:
        await handlers.on_invoice_issued(*before, u)
        await u.commit()
    assert await send(uow, sandbox) == 1


async def test_a_batch_of_invoices_gives_what_one_at_a_time_gives(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    await add_method(
        uow, "pm-konbini", token="tok_konbini", kind=PaymentMethodKind.CONVENIENCE_STORE
    )
    items, before = mixed_batch(), delivered(invoice("inv-before"))
    await start(uow, sandbox, db, before)
    for event, env in items:
        async with uow() as u:
            await handlers.on_invoice_issued(event, env, u)
            await u.commit()
    one_by_one = await state(db)

    await start(uow, sandbox, db, before)
    async with uow() as u:
        await batches.on_invoice_issued_batch(items, u)
        await u.commit()

    assert await state(db) == one_by_one
    charged = sorted(c["invoice_id"] for c in one_by_one["charges"])
    assert charged == ["inv-before", "inv-card-1", "inv-card-2", "inv-unknown-method"]
    assert len(one_by_one["succeeded"]) == 2  # inv-before, then announced again
    assert {i["invoice_id"]: i["status"] for i in one_by_one["invoices"]}["inv-zero"] == "paid"


async def test_a_batch_of_one_invoice_is_charged_once(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    for _ in range(2):  # delivered again in a later batch: still one charge
        async with uow() as u:
            await batches.on_invoice_issued_batch([delivered(invoice())], u)
            await u.commit()

    assert await send(uow, sandbox) == 1
    assert [c["status"] for c in await rows(db, orm.charges)] == ["succeeded"]
    assert len(await sandbox.ledger_entries()) == 1
