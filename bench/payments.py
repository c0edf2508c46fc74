"""Charge processor throughput on PostgreSQL with the sandbox provider, with 1 and 2 replicas
sending at once (claims with FOR UPDATE SKIP LOCKED).

N automatic invoices are issued; the processors send their charges in batches (one claim
statement, concurrent provider calls, one recording transaction per batch). Prints charges/s per
replica count and checks the guarantee along the way: every invoice charged exactly once at
the provider and announced once.

    make bench-payments                      # 1,000 invoices
    make bench-payments ARGS="--count 300"
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, select

import services.payments.adapters.orm as orm
from services.payments.adapters.provider import SandboxProvider
from services.payments.domain.model import PaymentMethod, PaymentMethodKind
from services.payments.service_layer import handlers, processing
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.events import Envelope, InvoiceIssued, InvoiceLineRef
from shared.infra.postgres import test_databases

MIGRATIONS = Path(orm.__file__).resolve().parent.parent / "migrations"


def _issued(n: int, run: str) -> tuple[InvoiceIssued, Envelope]:
    event = InvoiceIssued(
        invoice_id=f"inv-{run}-{n}",
        invoice_number=f"B-{n}",
        csn="5199999999",
        currency="EUR",
        subtotal=10_000,
        tax=1_900,
        total=11_900,
        amount_due=11_900,
        issue_date=date.today(),
        due_date=date.today(),
        collection="automatic",
        payment_method_id="pm-bench",
        lines=[InvoiceLineRef(subscription_id=f"sub-{n}", amount=10_000)],
    )
    envelope = Envelope(
        event_id=uuid.uuid4(),
        type=event.topic,
        version=1,
        occurred_at=SystemClock().now(),
        producer="bench",
        correlation_id="bench",
        key=event.invoice_id,
        data=event.model_dump(mode="json"),
    )
    return event, envelope


async def _round(url: str, count: int, replicas: int, ledger: Path) -> tuple[float, int, int]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = SystemClock()

    def uow() -> PaymentsUnitOfWork:
        return PaymentsUnitOfWork(sessions, clock, "payments", orm.messaging)

    async with engine.begin() as conn:
        for table in reversed(orm.metadata.sorted_tables):
            await conn.execute(delete(table))
    async with uow() as u:
        u.payment_methods.add(
            PaymentMethod(
                id="pm-bench",
                csn="5199999999",
                kind=PaymentMethodKind.CARD,
                provider_token="tok_visa",
                brand="visa",
                last4="4242",
                holder_name="Bench",
                exp_month=12,
                exp_year=2040,
            )
        )
        await u.commit()
    run = uuid.uuid4().hex[:8]  # a fresh ledger file per round, too
    for n in range(count):
        async with uow() as u:
            await handlers.on_invoice_issued(*_issued(n, run), u)
            await u.commit()

    provider = SandboxProvider(ledger)
    policy = processing.Policy()

    async def replica() -> None:
        while await processing.send_charges(uow(), provider, policy, 50):
            pass

    started = time.perf_counter()
    await asyncio.gather(*(replica() for _ in range(replicas)))
    elapsed = time.perf_counter() - started
    async with engine.connect() as conn:
        announced = await conn.scalar(
            select(func.count())
            .select_from(orm.messaging.outbox)
            .where(orm.messaging.outbox.c.topic == "payment-succeeded")
        )
    await engine.dispose()
    charged = len(
        [
            e
            for e in await provider.ledger_entries()
            if e["idempotency_key"].split(":")[1].startswith(f"inv-{run}")
        ]
    )
    return elapsed, charged, int(announced or 0)


async def _bench(url: str, count: int, tmp: Path) -> None:
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    await engine.dispose()
    print(f"{count} automatic invoices, sandbox provider (SQLite ledger), {url.split(':')[0]}")
    for replicas in (1, 2):
        elapsed, charged, announced = await _round(url, count, replicas, tmp / f"l{replicas}.db")
        ok = "ok" if charged == announced == count else "MISMATCH"
        print(
            f"  {replicas} replica(s): {count / elapsed:7.1f} charges/s "
            f"({elapsed:.1f} s); provider charged {charged}, announced {announced}: {ok}"
        )


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with test_databases(["bench_payments"], Path(tmp)) as urls:
            asyncio.run(_bench(urls["bench_payments"], count, Path(tmp)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    main(parser.parse_args().count)
