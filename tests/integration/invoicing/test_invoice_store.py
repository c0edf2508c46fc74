"""Invoicing on a real database: gapless numbers under concurrency and rollback (R-INV-1),
and the overdue filter derived from the due date with the injected clock (R-INV-1)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from services.invoicing.domain.model import LineDraft
from services.invoicing.domain.order import OrderKind
from services.invoicing.service_layer.orders import PlaceOrder, place_order
from tests.integration.invoicing.conftest import ISSUED_AT, add_customer, uow_at


def purchase(csn: str) -> PlaceOrder:
    return PlaceOrder(
        kind=OrderKind.RENEWAL,
        source_key=f"renewal:{uuid.uuid4()}",
        csn=csn,
        currency="EUR",
        drafts=[LineDraft("CAD Pro", 1, 10_000)],
        collection="manual",
        payment_method_id=None,
        placed_by=None,
        reference=None,
    )


async def place(engine: AsyncEngine, csn: str, *, commit: bool = True) -> str:
    async with uow_at(engine) as uow:
        order = await place_order(purchase(csn), uow)
        assert order is not None
        invoice = await uow.invoices.get(csn, order.invoice_id)
        if commit:
            await uow.commit()
        return invoice.number if invoice else ""


async def test_concurrent_invoices_and_a_rolled_back_one_leave_no_gap_in_numbers_r_inv_1(
    invoicing_engine: AsyncEngine,
) -> None:
    csn = f"IT{uuid.uuid4().hex[:8]}"
    await add_customer(invoicing_engine, csn)
    assert await place(invoicing_engine, csn, commit=False) == f"{csn}-000001"  # rolled back
    numbers = await asyncio.gather(*(place(invoicing_engine, csn) for _ in range(8)))
    assert sorted(numbers) == [f"{csn}-{n:06d}" for n in range(1, 9)]


async def test_an_open_invoice_is_overdue_only_after_its_due_date_r_inv_1(
    invoicing_engine: AsyncEngine,
) -> None:
    csn = f"IT{uuid.uuid4().hex[:8]}"
    await add_customer(invoicing_engine, csn)
    await place(invoicing_engine, csn)
    due = ISSUED_AT.date() + timedelta(days=30)
    async with uow_at(invoicing_engine) as uow:
        on_due_date, _ = await uow.invoices.list(
            csn, limit=10, offset=0, status="overdue", today=due
        )
        day_after, total = await uow.invoices.list(
            csn, limit=10, offset=0, status="overdue", today=due + timedelta(days=1)
        )
        assert day_after[0].display_status(due + timedelta(days=1)) == "overdue"
    assert on_due_date == [] and total == 1
