"""Invoicing repositories: customers, tax rates, invoice numbers and invoices."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.invoicing.adapters.orm import invoice_sequences, invoices
from services.invoicing.domain.model import Customer, Invoice, TaxRate


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invoice: Invoice) -> None:
        self.session.add(invoice)

    async def get(self, csn: str, invoice_id: str) -> Invoice | None:
        return await self.session.scalar(
            select(Invoice).where(Invoice.id == invoice_id, Invoice.csn == csn)  # type: ignore[arg-type]
        )

    async def get_for_update(self, invoice_id: str) -> Invoice | None:
        return await self.session.scalar(
            select(Invoice).where(Invoice.id == invoice_id).with_for_update()  # type: ignore[arg-type]
        )

    async def exists_for_source(self, source_key: str) -> bool:
        """One invoice per source (renewal, quote…); source_key is also unique in the table."""
        found = await self.session.scalar(
            select(invoices.c.id).where(invoices.c.source_key == source_key)
        )
        return found is not None

    async def list(
        self, csn: str, *, limit: int, offset: int, status: str | None = None
    ) -> tuple[list[Invoice], int]:
        where = [Invoice.csn == csn]  # type: ignore[arg-type]
        if status:
            where.append(Invoice.status == status)  # type: ignore[arg-type]
        total = await self.session.scalar(select(func.count()).select_from(Invoice).where(*where))
        rows = await self.session.scalars(
            select(Invoice)
            .where(*where)
            .order_by(Invoice.issue_date.desc(), Invoice.number.desc())  # type: ignore[attr-defined]
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), int(total or 0)

    async def next_number(self, csn: str) -> int:
        """Take the next per-account number inside the caller's transaction: no gaps (R-INV-1)."""
        taken = await self.session.scalar(
            update(invoice_sequences)
            .where(invoice_sequences.c.csn == csn)
            .values(last_number=invoice_sequences.c.last_number + 1)
            .returning(invoice_sequences.c.last_number)
        )
        if taken is None:
            await self.session.execute(insert(invoice_sequences).values(csn=csn, last_number=1))
            taken = 1
        return int(taken)


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    async def get(self, csn: str) -> Customer | None:
        return await self.session.get(Customer, csn)

    async def tax_rate_for(self, customer: Customer) -> TaxRate | None:
        """The region's rate when there is one, else the country's (R-INV-5)."""
        rows = (
            await self.session.scalars(
                select(TaxRate).where(TaxRate.country == customer.country)  # type: ignore[arg-type]
            )
        ).all()
        regional = [r for r in rows if r.region is not None and r.region == customer.region]
        national = [r for r in rows if r.region is None]
        return (regional or national or [None])[0]
