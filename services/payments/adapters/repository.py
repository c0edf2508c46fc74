"""Payments repositories: every customer-facing query is scoped to one account (CSN).

Queries name the mapped tables' columns (`charges.c.status`), which type-check, rather than
the dataclasses' attributes. Rows a processor sends to the provider are claimed with
FOR UPDATE SKIP LOCKED, so N replicas never work on the same row at once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.adapters.orm import (
    charges,
    invoice_views,
    payment_methods,
    refunds,
    subscription_views,
)
from services.payments.domain.model import Charge, PaymentMethod, PaymentMethodStatus
from services.payments.domain.refunds import Refund, RefundStatus
from services.payments.domain.upcoming import InvoiceView, SubscriptionView
from shared.projections import dialect_insert, upsert_newest


async def _count(session: AsyncSession, table: Any, where: list[ColumnElement[bool]]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def _claimable(table: Any, now: datetime, reclaim_all_processing: bool) -> ColumnElement[bool]:
    """Never sent, or sent by a processor whose lease ran out (it died or lost the answer)."""
    processing = table.c.status == "processing"
    if not reclaim_all_processing:
        processing = and_(processing, table.c.lease_until <= now)
    return or_(table.c.status == "pending", processing)


class PaymentMethodRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, method: PaymentMethod) -> None:
        self.session.add(method)

    async def get(self, csn: str, method_id: str) -> PaymentMethod | None:
        """Deleted methods too: a charge already sent must still be reconciled with its token."""
        return await self.session.scalar(
            select(PaymentMethod).where(
                payment_methods.c.id == method_id, payment_methods.c.csn == csn
            )
        )

    async def of_ids(self, method_ids: Collection[str]) -> dict[str, PaymentMethod]:
        """Deleted methods too (see `get`); the caller checks each one's account."""
        if not method_ids:
            return {}
        rows = await self.session.scalars(
            select(PaymentMethod).where(payment_methods.c.id.in_(sorted(method_ids)))
        )
        return {m.id: m for m in rows.all()}

    async def all_active(self, csn: str) -> list[PaymentMethod]:
        """Every active method of one account, locked: one default per account."""
        rows = await self.session.scalars(
            select(PaymentMethod)
            .where(
                payment_methods.c.csn == csn,
                payment_methods.c.status == PaymentMethodStatus.ACTIVE,
            )
            .order_by(payment_methods.c.id)
            .with_for_update()
        )
        return list(rows.all())

    async def lock_expired_since_announced(self, today: date, limit: int) -> list[PaymentMethod]:
        """Cards announced as valid whose expiry month has passed since (R-SUB-5)."""
        c = payment_methods.c
        rows = await self.session.scalars(
            select(PaymentMethod)
            .where(
                c.status == PaymentMethodStatus.ACTIVE,
                c.announced_valid.is_(True),
                or_(
                    c.exp_year < today.year,
                    and_(c.exp_year == today.year, c.exp_month < today.month),
                ),
            )
            .order_by(c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.all())

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

    async def lock(self, charge_id: str) -> Charge | None:
        return await self.session.scalar(
            select(Charge).where(charges.c.id == charge_id).with_for_update()
        )

    async def lock_to_send(
        self, now: datetime, limit: int, *, reclaim_all_processing: bool = False
    ) -> list[Charge]:
        """The oldest `limit` charges to send to the provider, in one statement. PostgreSQL:
        rows another processor holds are skipped, so N replicas claim disjoint batches; SQLite
        (no row locks) serialises whole transactions instead (BEGIN IMMEDIATE, shared.db)."""
        rows = await self.session.scalars(
            select(Charge)
            .where(_claimable(charges, now, reclaim_all_processing))
            .order_by(charges.c.updated_at, charges.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.all())

    async def lock_of_invoices(self, invoice_ids: Collection[str]) -> list[Charge]:
        """Every charge of these invoices, locked in id order (two processors recording at once
        take their locks in the same order: no deadlock between them)."""
        if not invoice_ids:
            return []
        rows = await self.session.scalars(
            select(Charge)
            .where(charges.c.invoice_id.in_(sorted(invoice_ids)))
            .order_by(charges.c.id)
            .with_for_update()
        )
        return list(rows.all())

    async def lock_next_due_retry(self, now: datetime, skip_ids: Collection[str]) -> Charge | None:
        stmt = select(Charge).where(charges.c.retry_at <= now)
        if skip_ids:
            stmt = stmt.where(charges.c.id.not_in(skip_ids))
        stmt = (
            stmt.order_by(charges.c.retry_at, charges.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return await self.session.scalar(stmt)

    async def of_invoice(self, invoice_id: str, *, lock: bool = False) -> list[Charge]:
        stmt = (
            select(Charge)
            .where(charges.c.invoice_id == invoice_id)
            .order_by(charges.c.created_at, charges.c.id)
        )
        if lock:
            stmt = stmt.with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def add_many(self, new: Collection[Charge]) -> None:
        """Charges in one statement executed for them all (a batch of events); a key already
        charged is left as is."""
        if not new:
            return
        stmt = dialect_insert(self.session)(charges)
        await self.session.execute(  # executemany: compiled once, not once per batch size
            stmt.on_conflict_do_nothing(index_elements=["idempotency_key"]),
            _rows(charges, new),
        )

    async def of_invoice_ids(self, invoice_ids: Collection[str]) -> list[Charge]:
        if not invoice_ids:
            return []
        rows = await self.session.scalars(
            select(Charge)
            .where(charges.c.invoice_id.in_(sorted(invoice_ids)))
            .order_by(charges.c.created_at, charges.c.id)
        )
        return list(rows.all())

    async def of_invoices(self, csn: str, invoice_ids: Collection[str]) -> list[Charge]:
        if not invoice_ids:
            return []
        rows = await self.session.scalars(
            select(Charge).where(charges.c.csn == csn, charges.c.invoice_id.in_(invoice_ids))
        )
        return list(rows.all())

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


class RefundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, refund: Refund) -> None:
        self.session.add(refund)

    async def lock(self, refund_id: str) -> Refund | None:
        return await self.session.scalar(
            select(Refund).where(refunds.c.id == refund_id).with_for_update()
        )

    async def of_credit_note(self, credit_note_id: str) -> list[Refund]:
        rows = await self.session.scalars(
            select(Refund).where(refunds.c.credit_note_id == credit_note_id)
        )
        return list(rows.all())

    async def refunded_per_charge(self, charge_ids: Collection[str]) -> dict[str, int]:
        """What is already refunded, or being refunded, on each charge."""
        if not charge_ids:
            return {}
        rows = await self.session.execute(
            select(refunds.c.charge_id, func.sum(refunds.c.amount))
            .where(
                refunds.c.charge_id.in_(charge_ids),
                refunds.c.status != RefundStatus.FAILED,
            )
            .group_by(refunds.c.charge_id)
        )
        return {charge_id: int(total) for charge_id, total in rows.all()}

    async def lock_next_to_send(
        self, now: datetime, skip_ids: Collection[str], *, reclaim_all_processing: bool = False
    ) -> Refund | None:
        stmt = select(Refund).where(_claimable(refunds, now, reclaim_all_processing))
        if skip_ids:
            stmt = stmt.where(refunds.c.id.not_in(skip_ids))
        stmt = (
            stmt.order_by(refunds.c.updated_at, refunds.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return await self.session.scalar(stmt)

    async def list(
        self, csn: str, *, limit: int, offset: int, invoice_id: str | None = None
    ) -> tuple[list[Refund], int]:
        where = [refunds.c.csn == csn]
        if invoice_id is not None:
            where.append(refunds.c.invoice_id == invoice_id)
        rows = await self.session.scalars(
            select(Refund)
            .where(*where)
            .order_by(refunds.c.created_at.desc(), refunds.c.id)
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), await _count(self.session, refunds, where)


class SubscriptionViewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, view: SubscriptionView) -> None:
        self.session.add(view)

    async def get(self, subscription_id: str) -> SubscriptionView | None:
        return await self.session.scalar(
            select(SubscriptionView)
            .where(subscription_views.c.subscription_id == subscription_id)
            .with_for_update()
        )

    async def of_ids(self, subscription_ids: Collection[str]) -> list[SubscriptionView]:
        if not subscription_ids:
            return []
        rows = await self.session.scalars(
            select(SubscriptionView).where(
                subscription_views.c.subscription_id.in_(subscription_ids)
            )
        )
        return list(rows.all())

    async def record_newest(self, views: Collection[SubscriptionView]) -> None:
        """A batch of snapshots in one statement: the newest of each subscription, and never
        over a newer one already stored (`as_of`)."""
        rows = [{c.name: getattr(view, c.name) for c in subscription_views.c} for view in views]
        await upsert_newest(self.session, subscription_views, rows, "as_of")

    async def of_account(self, csn: str) -> list[SubscriptionView]:
        rows = await self.session.scalars(
            select(SubscriptionView).where(subscription_views.c.csn == csn)
        )
        return list(rows.all())

    async def auto_renewing_with(self, csn: str, payment_method_id: str) -> list[str]:
        """Active auto-renew subscriptions this method pays for (R-PAY-1 delete rule)."""
        rows = await self.session.scalars(
            select(subscription_views.c.subscription_id).where(
                subscription_views.c.csn == csn,
                subscription_views.c.payment_method_id == payment_method_id,
                subscription_views.c.auto_renew.is_(True),
                subscription_views.c.status == "active",
            )
        )
        return list(rows.all())


class InvoiceViewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, view: InvoiceView) -> None:
        self.session.add(view)

    async def get(self, invoice_id: str) -> InvoiceView | None:
        return await self.session.scalar(
            select(InvoiceView).where(invoice_views.c.invoice_id == invoice_id)
        )

    async def add_new(self, views: Collection[InvoiceView]) -> None:
        """Invoices not known yet, in one statement executed for them all; one already known is
        left as it is."""
        if not views:
            return
        stmt = dialect_insert(self.session)(invoice_views)
        await self.session.execute(
            stmt.on_conflict_do_nothing(index_elements=["invoice_id"]),
            _rows(invoice_views, views),
        )

    async def mark_paid(self, views: Collection[InvoiceView]) -> None:
        """Invoices paid, in one statement executed for them all: a known one is marked paid with
        nothing due, one not known yet is kept as it is given (paid)."""
        if not views:
            return
        stmt = dialect_insert(self.session)(invoice_views)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["invoice_id"], set_={"status": "paid", "amount_due": 0}
            ),
            _rows(invoice_views, views),
        )

    async def open_of_account(self, csn: str) -> list[InvoiceView]:
        rows = await self.session.scalars(
            select(InvoiceView).where(invoice_views.c.csn == csn, invoice_views.c.status == "open")
        )
        return list(rows.all())

    async def closed(self, invoice_id: str) -> str | None:
        """'paid' or 'cancelled' once nothing more is to be collected on it; None while open
        (or not known yet)."""
        status = await self.session.scalar(
            select(invoice_views.c.status).where(invoice_views.c.invoice_id == invoice_id)
        )
        return status if status in ("paid", "cancelled") else None

    async def closed_of(self, invoice_ids: Collection[str]) -> dict[str, str]:
        """`closed` for many invoices at once: only those paid or cancelled are in the answer."""
        if not invoice_ids:
            return {}
        rows = await self.session.execute(
            select(invoice_views.c.invoice_id, invoice_views.c.status).where(
                invoice_views.c.invoice_id.in_(sorted(invoice_ids)),
                invoice_views.c.status.in_(("paid", "cancelled")),
            )
        )
        return {invoice_id: status for invoice_id, status in rows.all()}


def _rows(table: Table, objects: Collection[Any]) -> list[dict[str, Any]]:
    """The parameters of an executemany insert: each object's value of every column."""
    return [{c.name: getattr(o, c.name) for c in table.c} for o in objects]
