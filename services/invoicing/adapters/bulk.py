"""Set-based reads and writes of invoicing's hot paths (issue 13): a batch of events costs a
few statements whatever its size — Core `SELECT … IN`, multi-row `INSERT` and executemany
`UPDATE` — on PostgreSQL and SQLite alike. The domain objects are built from rows and decide;
these functions only move rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoicing.adapters.orm import (
    customers,
    document_sequences,
    invoice_lines,
    invoice_payments,
    invoices,
    orders,
    payment_requests,
)
from services.invoicing.domain.model import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
)
from services.invoicing.domain.order import Order
from services.invoicing.domain.payment_request import PaymentRequest, PaymentRequestStatus

# What applying a payment may change on an invoice and on a payment request.
PAYMENT_COLUMNS = ("amount_paid", "last_payment_error", "status", "paid_at")
REQUEST_COLUMNS = ("status", "charge_id", "failure_reason", "settled_at")


def row_of(obj: object, table: Table, **extra: Any) -> dict[str, Any]:
    """The row of a domain object: one value per column of its table."""
    row = {c.name: getattr(obj, c.name) for c in table.columns if c.name not in extra}
    return {**row, **extra}


class InvoicingRows:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reads ----------------------------------------------------------------------------

    async def customers(self, csns: Iterable[str]) -> dict[str, Customer]:
        rows = await self.session.execute(select(customers).where(customers.c.csn.in_(set(csns))))
        return {r.csn: Customer(**r._mapping) for r in rows}

    async def sources_taken(self, source_keys: Iterable[str]) -> set[str]:
        found = await self.session.scalars(
            select(invoices.c.source_key).where(invoices.c.source_key.in_(set(source_keys)))
        )
        return set(found.all())

    async def billing_renewals(
        self, renewal_ids: Iterable[str]
    ) -> dict[tuple[str, str], list[Invoice]]:
        """The open or paid invoices billing each (csn, renewal id), with their lines."""
        billing = select(invoice_lines.c.invoice_id).where(
            invoice_lines.c.renewal_id.in_(set(renewal_ids))
        )
        found = await self._invoices(
            invoices.c.id.in_(billing), invoices.c.status != InvoiceStatus.CANCELLED
        )
        by_renewal: dict[tuple[str, str], list[Invoice]] = defaultdict(list)
        for invoice in sorted(found.values(), key=lambda i: i.number):
            for renewal_id in {line.renewal_id for line in invoice.lines if line.renewal_id}:
                by_renewal[(invoice.csn, renewal_id)].append(invoice)
        return by_renewal

    async def invoices_for_update(self, invoice_ids: Iterable[str]) -> dict[str, Invoice]:
        """Locked in id order (PostgreSQL), so that batches of two replicas never deadlock."""
        return await self._invoices(invoices.c.id.in_(set(invoice_ids)), lock=True)

    async def pending_requests(self, invoice_ids: Iterable[str]) -> dict[str, list[PaymentRequest]]:
        rows = await self.session.execute(
            select(payment_requests)
            .where(
                payment_requests.c.invoice_id.in_(set(invoice_ids)),
                payment_requests.c.status == PaymentRequestStatus.PENDING,
            )
            .order_by(payment_requests.c.requested_at)
        )
        pending: dict[str, list[PaymentRequest]] = defaultdict(list)
        for r in rows:
            pending[r.invoice_id].append(PaymentRequest(**r._mapping))
        return pending

    async def _invoices(self, *where: Any, lock: bool = False) -> dict[str, Invoice]:
        query = select(invoices).where(*where).order_by(invoices.c.id)
        heads = (await self.session.execute(query.with_for_update() if lock else query)).all()
        if not heads:
            return {}
        ids = [h.id for h in heads]
        lines: dict[str, list[InvoiceLine]] = defaultdict(list)
        for r in await self.session.execute(
            select(invoice_lines)
            .where(invoice_lines.c.invoice_id.in_(ids))
            .order_by(invoice_lines.c.invoice_id, invoice_lines.c.position)
        ):
            lines[r.invoice_id].append(InvoiceLine(**r._mapping))
        paid: dict[str, list[InvoicePayment]] = defaultdict(list)
        for r in await self.session.execute(
            select(invoice_payments).where(invoice_payments.c.invoice_id.in_(ids))
        ):
            paid[r.invoice_id].append(InvoicePayment(**r._mapping))
        return {h.id: Invoice(**h._mapping, lines=lines[h.id], payments=paid[h.id]) for h in heads}

    # --- writes ---------------------------------------------------------------------------

    async def allocate_numbers(self, counts: Mapping[tuple[str, str], int]) -> dict[Any, int]:
        """Take `count` gapless numbers per (csn, kind) in one statement (R-INV-1); returns
        the first of each block. Rows in key order: two batches lock counters alike."""
        if not counts:
            return {}
        dialect = self.session.get_bind().dialect.name
        insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(document_sequences)
        c = document_sequences.c
        statement = (
            insert.values(
                [
                    {"csn": csn, "kind": kind, "last_number": n}
                    for (csn, kind), n in sorted(counts.items())
                ]
            )
            .on_conflict_do_update(
                index_elements=[c.csn, c.kind],
                set_={"last_number": c.last_number + insert.excluded.last_number},
            )
            .returning(c.csn, c.kind, c.last_number)
        )
        taken = await self.session.execute(statement)
        return {(r.csn, r.kind): r.last_number - counts[(r.csn, r.kind)] + 1 for r in taken}

    async def add_issued(self, issued: Sequence[tuple[Invoice, Order]]) -> None:
        """New invoices, their lines and their orders: three multi-row inserts."""
        if not issued:
            return
        await self.session.execute(invoices.insert(), [row_of(i, invoices) for i, _ in issued])
        await self.session.execute(
            invoice_lines.insert(),
            [row_of(line, invoice_lines, invoice_id=i.id) for i, _ in issued for line in i.lines],
        )
        await self.session.execute(orders.insert(), [row_of(o, orders) for _, o in issued])

    async def save_payments(
        self,
        changed: Sequence[Invoice],
        applied: Sequence[InvoicePayment],
        answered: Sequence[PaymentRequest],
    ) -> None:
        """What a batch of payments changed: executemany updates and one insert."""
        if applied:
            await self.session.execute(
                invoice_payments.insert(), [row_of(p, invoice_payments) for p in applied]
            )
        await self._update(invoices, PAYMENT_COLUMNS, changed)
        await self._update(payment_requests, REQUEST_COLUMNS, answered)

    async def _update(self, table: Table, columns: Sequence[str], objs: Sequence[Any]) -> None:
        if not objs:
            return
        statement = (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}", type_=table.c[c].type) for c in columns})
        )
        rows = [{"b_id": o.id, **{f"b_{c}": getattr(o, c) for c in columns}} for o in objs]
        await self.session.execute(statement, rows)
