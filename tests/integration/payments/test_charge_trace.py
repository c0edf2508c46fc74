"""One trace through payments (issue 15): the charge processor is a periodic job, yet the
provider call and the payment-succeeded it announces stay in the trace of the invoice-issued
that asked for the charge (kept on the charge row), even with tracing off in this process."""

from __future__ import annotations

import uuid

from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.adapters.provider import SandboxProvider
from services.payments.service_layer import handlers
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import add_method, charges_of, deliver, invoice, send


async def outbox_traceparents(db: AsyncEngine, topic: str) -> list[str | None]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT traceparent FROM outbox WHERE topic = :topic"), {"topic": topic}
        )
        return [row[0] for row in rows]


async def test_payment_succeeded_is_published_in_the_trace_of_the_invoice_issued(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    consumed = TraceContextTextMapPropagator().extract(
        {"traceparent": f"00-{trace_id}-{span_id}-01"}
    )
    token = context.attach(consumed)  # as faststream's middleware does for the consumer
    try:
        await deliver(uow, handlers.on_invoice_issued, invoice())
    finally:
        context.detach(token)
    [charge] = await charges_of(uow)
    assert charge.traceparent is not None and charge.traceparent.split("-")[1] == trace_id

    assert not trace.get_current_span().get_span_context().is_valid  # a periodic job
    await send(uow, sandbox)

    [traceparent] = await outbox_traceparents(db, "payment-succeeded")
    assert traceparent is not None and traceparent.split("-")[1] == trace_id


async def test_a_charge_asked_for_outside_any_trace_starts_none(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())
    [charge] = await charges_of(uow)
    assert charge.traceparent is None

    await send(uow, sandbox)

    assert await outbox_traceparents(db, "payment-succeeded") == [None]
