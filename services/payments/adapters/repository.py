"""Payments repositories: every customer-facing query is scoped to one account (CSN).

Queries name the mapped tables' columns (`charges.c.status`), which type-check, rather than
the dataclasses' attributes."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.adapters.orm import charges, payment_methods
from services.payments.domain.model import Charge, ChargeStatus, PaymentMethod, PaymentMethodStatus


async def _count(session: AsyncSession, table: Any, where: list[ColumnElement[bool]]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


class PaymentMethodRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, method: PaymentMethod) -> None:
        self.session.add(method)

    async def get(self, csn: str, method_id: str) -> PaymentMethod | None:
        return await self.session.scalar(
            select(PaymentMethod).where(
                payment_methods.c.id == method_id, payment_methods.c.csn == csn
            )
        )

    async def list_active(
        self, csn: str, *, limit: int, offset: int
    ) -> tuple[list[PaymentMethod], int]:
        """Saved methods still in use (R-PAY-1); the default one first."""
        where = [
            payment_methods.c.csn == csn,
            payment_methods.c.status == PaymentMethodStatus.ACTIVE,
        ]
        rows = await self.session.scalars(
            select(PaymentMethod)
            .where(*where)
            .order_by(payment_methods.c.is_default.desc(), payment_methods.c.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), await _count(self.session, payment_methods, where)


class ChargeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, charge: Charge) -> None:
        self.session.add(charge)

    async def get_by_idempotency_key(self, key: str) -> Charge | None:
        return await self.session.scalar(select(Charge).where(charges.c.idempotency_key == key))

    async def lock_next_pending(self, skip_ids: Collection[str]) -> Charge | None:
        """The oldest pending charge, locked with SKIP LOCKED so N replicas never send the same
        charge at once; `skip_ids` are those already tried in this round."""
        stmt = select(Charge).where(charges.c.status == ChargeStatus.PENDING)
        if skip_ids:
            stmt = stmt.where(charges.c.id.not_in(skip_ids))
        stmt = (
            stmt.order_by(charges.c.updated_at, charges.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return await self.session.scalar(stmt)

    async def list(
        self, csn: str, *, limit: int, offset: int, invoice_id: str | None = None
    ) -> tuple[list[Charge], int]:
        where = [charges.c.csn == csn]
        if invoice_id is not None:
            where.append(charges.c.invoice_id == invoice_id)
        rows = await self.session.scalars(
            select(Charge)
            .where(*where)
            .order_by(charges.c.created_at.desc(), charges.c.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), await _count(self.session, charges, where)
