"""invoice-paid a batch at a time (`batches.on_invoice_paid_batch`, called directly with an
opened unit of work as the batch consumer does): the same invoices marked paid and the same
charges stopped as one event at a time (R-PAY-4), in two statements; delivered again, it
changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.payments.adapters.orm as orm
from services.payments.adapters.provider import SandboxProvider
from services.payments.domain.model import ChargeStatus
from services.payments.service_layer import batches, handlers, processing
from shared.clock import FixedClock
from shared.events import Envelope, EventData, InvoicePaymentRequested
from shared.messaging.outbox import build_envelope
from tests.integration.payments.conftest import START, UowFactory
from tests.integration.payments.helpers import (
    CSN,
    add_method,
    deliver,
    invoice,
    paid,
    send,
)

Items = list[tuple[Any, Envelope]]


def delivered(event: EventData) -> tuple[Any, Envelope]:
    clock = FixedClock(START)
    return event, build_envelope(
        event,
        producer="test",
        clock=clock,
        correlation_id=f"corr-{uuid.uuid4().hex[:6]}",
        causation_id=None,
    )


def person_pays(invoice_id: str) -> InvoicePaymentRequested:
    return InvoicePaymentRequested(
        payment_request_id=uuid.UUID("6f1c6c53-3d39-4b43-9a49-0d4f4a5b6c71"),
        invoice_id=invoice_id,
        invoice_number=f"INV-{invoice_id}",
        csn=CSN,
        currency="EUR",
        amount=11900,
        payment_method_id="pm-card",
        requested_by="alice@acme.example",
    )


async def start(uow: UowFactory, sandbox: SandboxProvider, db: AsyncEngine, clock: Any) -> None:
    """Charged before; declined twice (one of them with its retry made, not sent yet); an
    automatic charge not sent yet; an invoice paid by hand with a person's payment pending."""
    async with db.begin() as conn:
        for table in reversed(orm.metadata.sorted_tables):
            await conn.execute(delete(table))
    clock.at = START
    await add_method(uow)
    await add_method(uow, "pm-declined", token="tok_chargeDeclined")
    await deliver(uow, handlers.on_invoice_issued, invoice("inv-charged"))
    for n in (1, 2):
        declined = invoice(f"inv-declined-{n}", payment_method_id="pm-declined")
        await deliver(uow, handlers.on_invoice_issued, declined)
    assert await send(uow, sandbox) == 3
    clock.at = START + timedelta(days=1, minutes=1)
    assert await processing.schedule_due_retries(uow(), limit=1) == 1  # inv-declined-1's
    await deliver(uow, handlers.on_invoice_issued, invoice("inv-card"))
    manual = invoice("inv-manual", collection="manual", payment_method_id=None)
    await deliver(uow, handlers.on_invoice_issued, manual)
    await deliver(uow, handlers.on_invoice_payment_requested, person_pays("inv-manual"))


def the_batch() -> Items:
    return [
        delivered(paid("inv-card")),
        delivered(paid("inv-declined-1")),
        delivered(paid("inv-declined-2")),
        delivered(paid("inv-charged")),
        delivered(paid("inv-manual")),
        delivered(paid("inv-unknown")),  # its invoice-issued not consumed yet
        delivered(paid("inv-card")),  # announced twice
    ]


async def rows(db: AsyncEngine, table: Table) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        found = await conn.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in found]


async def state(db: AsyncEngine) -> dict[str, Any]:
    async with db.connect() as conn:
        outbox = await conn.scalar(select(func.count()).select_from(orm.messaging.outbox))
    return {  # each start's charges follow invoice-issued events of their own: causation aside
        "charges": [
            {k: v for k, v in c.items() if k != "causation_id"} for c in await rows(db, orm.charges)
        ],
        "invoices": await rows(db, orm.invoice_views),
        "outbox": outbox,
    }


async def as_a_batch(uow: UowFactory, items: Items) -> None:
    async with uow() as u:
        await batches.on_invoice_paid_batch(items, u)
        await u.commit()


async def test_a_batch_of_paid_invoices_stops_what_one_at_a_time_stops(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-PAY-4: paid, by us or otherwise: no retry and no unsent automatic charge is left."""
    await start(uow, sandbox, db, clock)
    for event, envelope in the_batch():
        async with uow() as u:
            await handlers.on_invoice_paid(event, envelope, u)
            await u.commit()
    one_by_one = await state(db)

    await start(uow, sandbox, db, clock)
    await as_a_batch(uow, the_batch())
    assert await state(db) == one_by_one

    charges = {(c["invoice_id"], c["attempt"], c["origin"]): c for c in one_by_one["charges"]}
    assert {k: (c["status"], c["retry_at"]) for k, c in charges.items()} == {
        ("inv-charged", 1, "automatic"): (ChargeStatus.SUCCEEDED, None),
        ("inv-declined-1", 1, "automatic"): (ChargeStatus.FAILED, None),
        ("inv-declined-1", 2, "automatic"): (ChargeStatus.CANCELED, None),  # never sent
        ("inv-declined-2", 1, "automatic"): (ChargeStatus.FAILED, None),  # no retry left
        ("inv-card", 1, "automatic"): (ChargeStatus.CANCELED, None),
        ("inv-manual", 1, "payment_request"): (ChargeStatus.PENDING, None),  # a person's
    }
    invoices = {i["invoice_id"]: (i["status"], i["amount_due"]) for i in one_by_one["invoices"]}
    assert set(invoices.values()) == {("paid", 0)}
    assert set(invoices) == {c[0] for c in charges} | {"inv-unknown"}


async def test_a_batch_of_paid_invoices_delivered_again_changes_nothing(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    await start(uow, sandbox, db, clock)
    batch = the_batch()
    await as_a_batch(uow, batch)
    once = await state(db)

    clock.at = START + timedelta(days=2)
    await as_a_batch(uow, batch)
    assert await state(db) == once
    await send(uow, sandbox)  # the person's payment is refused: already paid
    assert len(await sandbox.ledger_entries()) == 3  # nothing more charged
