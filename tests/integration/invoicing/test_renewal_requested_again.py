"""Reconciliation (issue 16): a renewal requested again (an answer was lost on the way) gets
no second invoice, only the invoice's news again: issued while open, paid once paid; and a
charge announced again (its first payment-succeeded lost or not) is applied once."""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.invoicing.adapters.orm as invoicing_orm
from services.invoicing.service_layer.orders import issue_renewal_invoice
from services.invoicing.service_layer.payments import apply_payment
from shared.events import Envelope, EventData, PaymentSucceeded, RenewalRequested
from shared.events.base import MoneyField
from tests.integration.invoicing.conftest import add_customer, uow_at

OUTBOX = invoicing_orm.messaging.outbox


def requested(csn: str, renewal_id: uuid.UUID) -> RenewalRequested:
    return RenewalRequested(
        renewal_id=renewal_id,
        subscription_id=f"sub-{csn}",
        csn=csn,
        team_id="team-1",
        product_code="CAD-PRO",
        product_name="CAD Pro",
        seats=2,
        term="annual",
        unit_price=MoneyField(amount=10_000, currency="EUR"),
        period_start=date(2026, 3, 1),
        period_end=date(2027, 3, 1),
        payment_method_id="pm-card",
        collection="automatic",
    )


async def deliver(engine: AsyncEngine, handler: object, event: EventData) -> None:
    async with uow_at(engine) as uow:
        envelope = Envelope(
            event_id=uuid.uuid4(),
            type=event.topic,
            version=event.version,
            occurred_at=uow.clock.now(),
            producer="test",
            correlation_id="corr-test",
            key=event.aggregate_key(),
            data=event.model_dump(mode="json"),
        )
        await handler(event, envelope, uow)  # type: ignore[operator]
        await uow.commit()


async def invoice_total(engine: AsyncEngine, csn: str, invoice_id: str) -> int:
    async with uow_at(engine) as uow:
        invoice = await uow.invoices.get(csn, invoice_id)
        assert invoice is not None
        return invoice.total


def succeeded(csn: str, invoice_id: str, amount: int) -> PaymentSucceeded:
    """What payments announces, and announces again, for the invoice's one successful charge."""
    return PaymentSucceeded(
        charge_id=f"ch-{invoice_id}",
        invoice_id=invoice_id,
        csn=csn,
        amount=amount,
        currency="EUR",
        payment_method_id="pm-card",
        provider_charge_id="psp-1",
        attempt=1,
        subscription_ids=[f"sub-{csn}"],
    )


async def announced(engine: AsyncEngine, csn: str) -> list[tuple[str, str]]:
    """(topic, invoice id) of what invoicing published about this account, in order."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(OUTBOX.c.topic, OUTBOX.c.payload))).all()
    found = [(t, json.loads(p)["data"]) for t, p in rows]
    return [(t, d["invoice_id"]) for t, d in found if d.get("csn") == csn]


async def test_a_renewal_requested_again_gets_its_invoice_announced_again_never_a_second(
    invoicing_engine: AsyncEngine,
) -> None:
    csn = f"IT{uuid.uuid4().hex[:8]}"
    await add_customer(invoicing_engine, csn)
    renewal_id = uuid.uuid4()
    await deliver(invoicing_engine, issue_renewal_invoice, requested(csn, renewal_id))
    [(topic, invoice_id)] = await announced(invoicing_engine, csn)
    assert topic == "invoice-issued"

    await deliver(invoicing_engine, issue_renewal_invoice, requested(csn, renewal_id))  # open
    assert await announced(invoicing_engine, csn) == [("invoice-issued", invoice_id)] * 2

    total = await invoice_total(invoicing_engine, csn, invoice_id)
    await deliver(invoicing_engine, apply_payment, succeeded(csn, invoice_id, total))
    await deliver(invoicing_engine, issue_renewal_invoice, requested(csn, renewal_id))  # paid

    assert [t for t, _ in await announced(invoicing_engine, csn)] == [
        "invoice-issued",
        "invoice-issued",
        "invoice-paid",
        "invoice-paid",  # the answer subscriptions may have lost, said again
    ]
    async with uow_at(invoicing_engine) as uow:
        orders, total_orders = await uow.orders.list(csn, limit=10, offset=0)
    assert total_orders == 1 and len(orders) == 1


async def test_a_charge_announced_again_is_applied_once_and_the_invoice_paid_once(
    invoicing_engine: AsyncEngine,
) -> None:
    """The waiting step "a charge succeeded with no payment applied": the renewal requested
    again announces the open invoice again, payments says again what succeeded (a new event
    id each time), and invoicing applies that charge once."""
    csn = f"IT{uuid.uuid4().hex[:8]}"
    await add_customer(invoicing_engine, csn)
    renewal_id = uuid.uuid4()
    await deliver(invoicing_engine, issue_renewal_invoice, requested(csn, renewal_id))
    [(_, invoice_id)] = await announced(invoicing_engine, csn)
    charge = succeeded(csn, invoice_id, await invoice_total(invoicing_engine, csn, invoice_id))

    for _ in range(3):  # the first, then two announced again by reconciliation
        await deliver(invoicing_engine, apply_payment, charge)

    assert [t for t, _ in await announced(invoicing_engine, csn)] == [
        "invoice-issued",
        "invoice-paid",
    ]
    async with uow_at(invoicing_engine) as uow:
        invoice = await uow.invoices.get(csn, invoice_id)
        assert invoice is not None and invoice.status.value == "paid"
        assert invoice.amount_paid == invoice.total
        credit_notes, _ = await uow.credit_notes.list(csn, limit=10, offset=0)
    assert credit_notes == []  # nothing taken as an overpayment
