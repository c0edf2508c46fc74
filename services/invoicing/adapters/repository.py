"""Invoicing repositories: customers, document numbers, invoices, orders, payment requests
and credit notes. Every read that
serves a person is scoped to the caller's account (csn)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoicing.adapters.orm import (
    credit_applications,
    credit_notes,
    document_sequences,
    invoice_lines,
    invoices,
    orders,
    payment_requests,
)
from services.invoicing.domain.credit_note import CreditApplication, CreditNote
from services.invoicing.domain.model import Customer, Invoice, InvoiceStatus
from services.invoicing.domain.order import Order
from services.invoicing.domain.payment_request import PaymentRequest, PaymentRequestStatus
from services.invoicing.domain.spending import InvoiceFigures


class DocumentNumbers:
    """Gapless per-account counters (R-INV-1): taken inside the document's own transaction,
    so a rolled-back document gives its number back; the row lock serialises one account."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next(self, csn: str, kind: str) -> int:
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(document_sequences)
            .values(csn=csn, kind=kind, last_number=1)
            .on_conflict_do_update(
                index_elements=[document_sequences.c.csn, document_sequences.c.kind],
                set_={"last_number": document_sequences.c.last_number + 1},
            )
            .returning(document_sequences.c.last_number)
        )
        return int((await self.session.execute(statement)).scalar_one())


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invoice: Invoice) -> None:
        self.session.add(invoice)

    async def get(self, csn: str, invoice_id: str) -> Invoice | None:
        return await self.session.scalar(
            select(Invoice).where(invoices.c.id == invoice_id, invoices.c.csn == csn)
        )

    async def get_for_update(self, invoice_id: str, csn: str | None = None) -> Invoice | None:
        where = [invoices.c.id == invoice_id]
        if csn is not None:
            where.append(invoices.c.csn == csn)
        return await self.session.scalar(
            select(Invoice)
            .where(*where)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def exists_for_source(self, source_key: str) -> bool:
        """One invoice per source (renewal, order, quote…); source_key is also unique."""
        found = await self.session.scalar(
            select(invoices.c.id).where(invoices.c.source_key == source_key)
        )
        return found is not None

    async def open_for_renewal(self, csn: str, renewal_id: str) -> list[Invoice]:
        """Open invoices of the account that already bill this renewal term."""
        rows = await self.session.scalars(
            select(Invoice)
            .where(
                invoices.c.id.in_(self._billing(renewal_id)),
                invoices.c.csn == csn,
                invoices.c.status == InvoiceStatus.OPEN,
            )
            .with_for_update()
        )
        return list(rows.all())

    async def billing_renewal(self, csn: str, renewal_id: str) -> list[Invoice]:
        """The open or paid invoices of the account that bill this renewal term."""
        rows = await self.session.scalars(
            select(Invoice).where(
                invoices.c.id.in_(self._billing(renewal_id)),
                invoices.c.csn == csn,
                invoices.c.status != InvoiceStatus.CANCELLED,
            )
        )
        return list(rows.all())

    @staticmethod
    def _billing(renewal_id: str) -> Any:
        return select(invoice_lines.c.invoice_id).where(invoice_lines.c.renewal_id == renewal_id)

    async def list(
        self,
        csn: str,
        *,
        limit: int,
        offset: int,
        status: str | None = None,
        today: date | None = None,
    ) -> tuple[list[Invoice], int]:
        where: list[Any] = [invoices.c.csn == csn]
        if status == "overdue":  # derived from the due date, never stored (R-INV-1)
            where += [invoices.c.status == InvoiceStatus.OPEN, invoices.c.due_date < today]
        elif status:
            where.append(invoices.c.status == InvoiceStatus(status))
        total = await self.session.scalar(select(func.count()).select_from(invoices).where(*where))
        rows = await self.session.scalars(
            select(Invoice)
            .where(*where)
            .order_by(invoices.c.issue_date.desc(), invoices.c.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), int(total or 0)


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    async def get(self, csn: str, order_id: str) -> Order | None:
        return await self.session.scalar(
            select(Order).where(orders.c.id == order_id, orders.c.csn == csn)
        )

    async def list(
        self, csn: str, *, limit: int, offset: int, kind: str | None = None
    ) -> tuple[list[tuple[Order, Invoice]], int]:
        """Newest first, each with its invoice (R-INV-4)."""
        where: list[Any] = [orders.c.csn == csn]
        if kind:
            where.append(orders.c.kind == kind)
        total = await self.session.scalar(select(func.count()).select_from(orders).where(*where))
        rows = await self.session.execute(
            select(Order, Invoice)
            .join(invoices, invoices.c.id == orders.c.invoice_id)
            .where(*where)
            .order_by(orders.c.placed_at.desc(), orders.c.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(o, i) for o, i in rows.tuples().all()], int(total or 0)

    async def for_invoice(self, invoice_id: str) -> Order | None:
        return await self.session.scalar(select(Order).where(orders.c.invoice_id == invoice_id))


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    async def get(self, csn: str) -> Customer | None:
        return await self.session.get(Customer, csn)

    async def get_for_update(self, csn: str) -> Customer | None:
        return await self.session.get(Customer, csn, with_for_update=True)


class PaymentRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, request: PaymentRequest) -> None:
        self.session.add(request)

    async def for_invoice(
        self, invoice_id: str, *, pending_only: bool = False
    ) -> list[PaymentRequest]:
        where: list[Any] = [payment_requests.c.invoice_id == invoice_id]
        if pending_only:
            where.append(payment_requests.c.status == PaymentRequestStatus.PENDING)
        rows = await self.session.scalars(
            select(PaymentRequest).where(*where).order_by(payment_requests.c.requested_at)
        )
        return list(rows.all())


class CreditNoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, note: CreditNote) -> None:
        self.session.add(note)

    async def get(self, csn: str, note_id: str) -> CreditNote | None:
        return await self.session.scalar(
            select(CreditNote).where(credit_notes.c.id == note_id, credit_notes.c.csn == csn)
        )

    async def get_for_update(self, csn: str, note_id: str) -> CreditNote | None:
        """Row lock: two applications of one credit note run one after the other (R-INV-3)."""
        return await self.session.scalar(
            select(CreditNote)
            .where(credit_notes.c.id == note_id, credit_notes.c.csn == csn)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def get_any_for_update(self, note_id: str) -> CreditNote | None:
        return await self.session.scalar(
            select(CreditNote)
            .where(credit_notes.c.id == note_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def exists_for_source(self, source_key: str) -> bool:
        found = await self.session.scalar(
            select(credit_notes.c.id).where(credit_notes.c.source_key == source_key)
        )
        return found is not None

    async def on_invoice(self, invoice_id: str) -> tuple[int, int]:
        """(credited, refunded so far) by the credit notes that correct one invoice."""
        refunds = func.coalesce(
            func.sum(case((credit_notes.c.refund, credit_notes.c.total), else_=0)), 0
        )
        row = (
            await self.session.execute(
                select(func.coalesce(func.sum(credit_notes.c.total), 0), refunds).where(
                    credit_notes.c.invoice_id == invoice_id
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def applications_to(self, invoice_id: str) -> list[tuple[CreditApplication, str]]:
        """Credit applied to one invoice, each with its credit note's number."""
        rows = await self.session.execute(
            select(CreditApplication, credit_notes.c.number)
            .join(credit_notes, credit_notes.c.id == credit_applications.c.credit_note_id)
            .where(credit_applications.c.invoice_id == invoice_id)
            .order_by(credit_applications.c.applied_at)
        )
        return [(a, n) for a, n in rows.tuples().all()]

    async def list(
        self, csn: str, *, limit: int, offset: int, available_only: bool = False
    ) -> tuple[list[CreditNote], int]:
        where: list[Any] = [credit_notes.c.csn == csn]
        if available_only:
            where += [
                credit_notes.c.refund.is_(False),
                credit_notes.c.amount_applied < credit_notes.c.total,
            ]
        total = await self.session.scalar(
            select(func.count()).select_from(credit_notes).where(*where)
        )
        rows = await self.session.scalars(
            select(CreditNote)
            .where(*where)
            .order_by(credit_notes.c.issued_at.desc(), credit_notes.c.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), int(total or 0)


async def spending_figures(session: AsyncSession, csn: str, since: date) -> list[InvoiceFigures]:
    """Only the columns the spending summary needs, for invoices issued since `since`."""
    rows = await session.execute(
        select(
            invoices.c.issue_date,
            invoices.c.currency,
            invoices.c.status,
            invoices.c.total,
            invoices.c.amount_paid,
            invoices.c.amount_credited,
            invoices.c.amount_refunded,
            invoices.c.last_payment_error,
        ).where(invoices.c.csn == csn, invoices.c.issue_date >= since)
    )
    return [
        InvoiceFigures(
            issue_date=r.issue_date,
            currency=r.currency,
            open=r.status == InvoiceStatus.OPEN,
            cancelled=r.status == InvoiceStatus.CANCELLED,
            amount_paid=r.amount_paid,
            amount_refunded=r.amount_refunded,
            amount_due=max(r.total - r.amount_paid - r.amount_credited, 0),
            payment_error=r.last_payment_error is not None,
        )
        for r in rows
    ]
