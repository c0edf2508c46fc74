"""Charges applied a batch at a time (issue 13, R-INV-2, R-INV-3): the batch function leaves
exactly the rows and outbox events the one-event handler leaves when the same
payment-succeeded events come one transaction at a time, on PostgreSQL and on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.invoicing.adapters.orm as orm
from services.invoicing.domain.model import Invoice
from services.invoicing.domain.payment_request import PaymentRequest
from services.invoicing.service_layer.batches import apply_payments
from services.invoicing.service_layer.orders import issue_renewal_invoice
from services.invoicing.service_layer.payments import apply_payment
from shared.errors import DomainError
from shared.events import PaymentSucceeded
from tests.integration.invoicing.conftest import ISSUED_AT
from tests.integration.invoicing.twins import (
    envelope,
    fresh,
    in_batches,
    migrated,
    one_by_one,
    renewal,
    state,
    twin_urls,
    uow_of,
)

Twins = tuple[AsyncEngine, AsyncEngine]
CSNS = ["HP1", "HP2", "HP3", "HP4"]
INVOICE = orm.invoices.c


@pytest.fixture(scope="module", params=["configured", "sqlite"])
def urls(
    request: pytest.FixtureRequest, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    yield from twin_urls(request.param, artifacts, tmp_path_factory)


@pytest.fixture(scope="module")
async def twins(urls: dict[str, str]) -> AsyncIterator[Twins]:
    async for pair in migrated(urls):
        yield pair


@dataclass(frozen=True)
class Charge:
    """A payment-succeeded for the invoice numbered `number`: `share` of its total, or what
    is left after that share (`rest`)."""

    number: str
    charge_id: str
    share: float = 1.0
    rest: bool = False
    request_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None


async def invoices_billed(twins: Twins, count: int) -> list[str]:
    """The same renewal invoices in both databases; their numbers."""
    await fresh(*twins)
    events = [renewal(CSNS[n % 4], uuid.uuid4(), n) for n in range(count)]
    items = [(e, envelope(e)) for e in events]
    for engine in twins:
        await one_by_one(engine, issue_renewal_invoice, items)
    async with twins[0].connect() as conn:
        return list((await conn.scalars(select(orm.invoices.c.number))).all())


async def delivered(engine: AsyncEngine, charges: list[Charge]) -> list[tuple[Any, Any]]:
    """Each charge as payments announces it, for this database's invoice ids."""
    async with engine.connect() as conn:
        found = (await conn.execute(select(orm.invoices))).all()
    by_number = {i.number: i for i in found}
    items = []
    for c in charges:
        invoice = by_number[c.number]
        part = int(invoice.total * c.share)
        event = PaymentSucceeded(
            charge_id=c.charge_id,
            invoice_id=invoice.id,
            csn=invoice.csn,
            amount=invoice.total - part if c.rest else part,
            currency=invoice.currency,
            payment_method_id="pm-card",
            provider_charge_id=f"psp-{c.charge_id}",
            attempt=1,
            payment_request_id=c.request_id,
        )
        items.append((event, envelope(event, c.event_id)))
    return items


async def both_ways(twins: Twins, charges: list[Charge], size: int) -> tuple[dict, dict]:
    charges = [Charge(**{**c.__dict__, "event_id": c.event_id or uuid.uuid4()}) for c in charges]
    single, batched = twins
    await one_by_one(single, apply_payment, await delivered(single, charges))
    await in_batches(batched, apply_payments, await delivered(batched, charges), size)
    return await state(single), await state(batched)


async def requested(twins: Twins, number: str, share: float) -> uuid.UUID:
    """A payment asked for from the invoices tab, pending in both databases (R-INV-2)."""
    request_id = uuid.uuid4()
    for engine in twins:
        async with uow_of(engine) as uow:
            invoice = await uow.session.scalar(select(Invoice).where(INVOICE.number == number))
            assert invoice is not None
            uow.payment_requests.add(
                PaymentRequest(
                    id=str(request_id),
                    invoice_id=invoice.id,
                    csn=invoice.csn,
                    currency=invoice.currency,
                    amount=int(invoice.total * share),
                    payment_method_id="pm-card",
                    requested_by="alice@example.com",
                    requested_at=ISSUED_AT,
                )
            )
            await uow.commit()
    return request_id


async def test_a_mixed_batch_leaves_what_one_event_at_a_time_leaves(twins: Twins) -> None:
    """Paid in full, in two parts, the same charge twice, paid beyond what is owed (credit),
    and charges answering requests from the invoices tab, by id or by amount and method."""
    n = await invoices_billed(twins, 6)
    by_id, by_amount = await requested(twins, n[4], 1.0), await requested(twins, n[5], 0.5)
    charges = [
        Charge(n[0], "ch-full"),
        Charge(n[1], "ch-part-1", 0.5),
        Charge(n[2], "ch-twice"),
        Charge(n[1], "ch-part-2", 0.5, rest=True),
        Charge(n[2], "ch-twice"),
        Charge(n[3], "ch-first"),
        Charge(n[3], "ch-beyond", 0.25),
        Charge(n[4], "ch-requested", request_id=by_id),
        Charge(n[5], "ch-matched", 0.5),
    ]

    one, batch = await both_ways(twins, charges, size=100)

    assert batch == one
    news = [(r["topic"], r["envelope"]["data"]) for r in batch["outbox"][6:]]
    paid = [data["invoice_number"] for topic, data in news if topic == "invoice-paid"]
    assert sorted(paid) == sorted(n[:5])  # once each, n[5] half paid
    assert [topic for topic, _ in news].count("credit-note-issued") == 1
    requests = {r["id"]: r["status"] for r in batch["payment_requests"]}
    assert requests == {str(by_id): "succeeded", str(by_amount): "succeeded"}


async def test_the_same_charge_twice_in_one_batch_is_applied_once(twins: Twins) -> None:
    [number] = await invoices_billed(twins, 1)

    one, batch = await both_ways(twins, [Charge(number, "ch-1"), Charge(number, "ch-1")], 2)

    assert batch == one
    assert len(batch["invoice_payments"]) == 1
    assert [r["topic"] for r in batch["outbox"]] == ["invoice-issued", "invoice-paid"]


async def test_a_batch_of_one(twins: Twins) -> None:
    [number] = await invoices_billed(twins, 1)

    one, batch = await both_ways(twins, [Charge(number, "ch-1", 0.5)], 1)

    assert batch == one
    [invoice] = batch["invoices"]
    assert invoice["status"] == "open" and invoice["amount_paid"] == invoice["total"] // 2


async def test_a_batch_of_two_hundred(twins: Twins) -> None:
    numbers = await invoices_billed(twins, 200)

    one, batch = await both_ways(twins, [Charge(n, f"ch-{n}") for n in numbers], 200)

    assert batch == one
    assert {i["status"] for i in batch["invoices"]} == {"paid"}
    assert [r["topic"] for r in batch["outbox"]].count("invoice-paid") == 200


async def test_a_charge_for_an_unknown_invoice_fails_the_batch(twins: Twins) -> None:
    [number] = await invoices_billed(twins, 1)
    items = await delivered(twins[1], [Charge(number, "ch-1")])
    ghost = items[0][0].model_copy(update={"invoice_id": "no-such-invoice"})
    async with uow_of(twins[1]) as uow:
        with pytest.raises(DomainError) as refused:
            await apply_payments([*items, (ghost, envelope(ghost))], uow)
    assert refused.value.code == "invoice_not_found"
