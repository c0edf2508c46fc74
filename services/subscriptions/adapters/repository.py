"""Subscriptions repository: every query is scoped to one customer account (CSN)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.subscriptions.domain.model import Status, Subscription, Team


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, subscription: Subscription) -> None:
        self.session.add(subscription)

    def add_team(self, team: Team) -> None:
        self.session.add(team)

    async def get(self, csn: str, subscription_id: str) -> Subscription | None:
        return await self.session.scalar(
            select(Subscription).where(
                Subscription.id == subscription_id,  # type: ignore[arg-type]
                Subscription.csn == csn,  # type: ignore[arg-type]
            )
        )

    async def get_for_update(self, subscription_id: str) -> Subscription | None:
        """Lock the row (PostgreSQL) so that concurrent handlers and replicas serialise."""
        return await self.session.scalar(
            select(Subscription)
            .where(Subscription.id == subscription_id)  # type: ignore[arg-type]
            .with_for_update()
        )

    async def lock_due_for_renewal(self, today: date, limit: int) -> list[Subscription]:
        """Due auto-renew subscriptions, locked with SKIP LOCKED so N replicas share the sweep."""
        stmt = (
            select(Subscription)
            .where(
                Subscription.status == Status.ACTIVE,  # type: ignore[arg-type]
                Subscription.auto_renew.is_(True),  # type: ignore[attr-defined]
                Subscription.renewal_date <= today,  # type: ignore[operator]
                (Subscription.renewal_pending_for.is_(None))  # type: ignore[union-attr]
                | (Subscription.renewal_pending_for != Subscription.renewal_date),  # type: ignore[arg-type]
            )
            .order_by(Subscription.renewal_date, Subscription.id)  # type: ignore[arg-type]
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(stmt)).all())

    async def list(
        self, csn: str, *, limit: int, offset: int, assigned_to: str | None = None
    ) -> tuple[list[Subscription], int]:
        where = [Subscription.csn == csn]  # type: ignore[arg-type]
        if assigned_to is not None:
            where.append(Subscription.assigned_to == assigned_to)  # type: ignore[arg-type]
        total = await self.session.scalar(
            select(func.count()).select_from(Subscription).where(*where)
        )
        rows = await self.session.scalars(
            select(Subscription)
            .where(*where)
            .order_by(Subscription.renewal_date, Subscription.id)  # type: ignore[arg-type]
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), int(total or 0)
