"""Automatic renewals invoiced a batch at a time (issue 13, R-SUB-5, R-INV-1, R-INV-5): the
batch function leaves exactly the rows and outbox events the one-event handler leaves when
the same events come one transaction at a time, on PostgreSQL and on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.invoicing.adapters.orm as orm
from services.invoicing.service_layer.batches import issue_renewal_invoices
from services.invoicing.service_layer.orders import issue_renewal_invoice
from shared.errors import DomainError
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


@pytest.fixture(scope="module", params=["configured", "sqlite"])
def urls(
    request: pytest.FixtureRequest, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    yield from twin_urls(request.param, artifacts, tmp_path_factory)


@pytest.fixture(scope="module")
async def twins(urls: dict[str, str]) -> AsyncIterator[Twins]:
    async for pair in migrated(urls):
        yield pair


async def both_ways(twins: Twins, items: list, size: int) -> tuple[dict, dict]:
    single, batched = twins
    await one_by_one(single, issue_renewal_invoice, items)
    await in_batches(batched, issue_renewal_invoices, items, size)
    return await state(single), await state(batched)


async def test_a_mixed_batch_leaves_what_one_event_at_a_time_leaves(twins: Twins) -> None:
    """Four accounts and tax rules, a renewal asked twice in the batch, one billed before."""
    await fresh(*twins)
    billed_before = (renewal("HP1", uuid.uuid4(), 99),)
    prior = [(e, envelope(e)) for e in billed_before]
    for engine in twins:
        await one_by_one(engine, issue_renewal_invoice, prior)
    asked = [renewal(csn, uuid.uuid4(), n) for n, csn in enumerate(["HP1", "HP2", "HP3"] * 4)]
    events = [*asked[:5], asked[2], *billed_before, *asked[5:], asked[7]]
    items = [(e, envelope(e)) for e in events]  # each delivery has its own event id

    one, batch = await both_ways(twins, items, size=50)

    assert batch == one
    assert len(batch["invoices"]) == 13  # 12 renewals + the one billed before
    topics = [r["topic"] for r in batch["outbox"]]
    assert topics == ["invoice-issued"] * (1 + len(items))  # asked again: announced again
    causes = [r["envelope"]["causation_id"] for r in batch["outbox"][1:]]
    assert causes == [str(env.event_id) for _, env in items]
    assert {r["envelope"]["correlation_id"] for r in batch["outbox"][1:]} == {
        env.correlation_id for _, env in items
    }


async def test_a_renewal_twice_in_one_batch_is_invoiced_once(twins: Twins) -> None:
    await fresh(*twins)
    event = renewal("HP2", uuid.uuid4())
    items = [(event, envelope(event)), (event, envelope(event))]

    one, batch = await both_ways(twins, items, size=2)

    assert batch == one
    assert len(batch["invoices"]) == len(batch["orders"]) == 1
    [first, again] = batch["outbox"]
    assert first["envelope"]["data"] == again["envelope"]["data"]


async def test_a_batch_of_one(twins: Twins) -> None:
    await fresh(*twins)
    event = renewal("HP3", uuid.uuid4())

    one, batch = await both_ways(twins, [(event, envelope(event))], size=1)

    assert batch == one
    [invoice] = batch["invoices"]
    assert (invoice["number"], invoice["currency"], invoice["tax_name"]) == (
        "HP3-000001",
        "JPY",
        "Consumption tax 10%",
    )


async def test_a_batch_of_two_hundred_numbers_each_account_without_gaps(twins: Twins) -> None:
    await fresh(*twins)
    csns = ["HP1", "HP2", "HP3", "HP4"]
    events = [renewal(csns[n % 4], uuid.uuid4(), n) for n in range(200)]
    items = [(e, envelope(e)) for e in events]

    one, batch = await both_ways(twins, items, size=200)

    assert batch == one
    async with twins[1].connect() as conn:
        counted = dict(
            (
                await conn.execute(
                    select(orm.invoices.c.csn, func.count()).group_by(orm.invoices.c.csn)
                )
            ).all()
        )
    assert counted == dict.fromkeys(csns, 50)
    numbers = sorted(i["number"] for i in batch["invoices"] if i["csn"] == "HP4")
    assert numbers == [f"HP4-{n:06d}" for n in range(1, 51)]  # gapless (R-INV-1)
    sequences = {(s["csn"], s["kind"]): s["last_number"] for s in batch["document_sequences"]}
    assert sequences == {(c, k): 50 for c in csns for k in ("invoice", "order")}


async def test_an_unknown_account_fails_the_batch_and_writes_nothing(twins: Twins) -> None:
    """The consumer then retries one by one: the others are invoiced, that one is parked."""
    await fresh(*twins)
    events = [renewal("HP1", uuid.uuid4()), renewal("NOPE", uuid.uuid4())]
    async with uow_of(twins[1]) as uow:
        with pytest.raises(DomainError) as refused:
            await issue_renewal_invoices([(e, envelope(e)) for e in events], uow)
    assert refused.value.code == "customer_unknown"
    after = await state(twins[1])
    assert after["invoices"] == [] and after["outbox"] == [] and after["document_sequences"] == []
