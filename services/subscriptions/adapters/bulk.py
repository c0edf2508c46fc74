"""Set-based reads and writes of subscriptions' hot path (issue 13): the subscriptions a batch
of events touches are read in one locking statement as domain aggregates, decided on by the
aggregate, and written back with one executemany UPDATE guarded by their version."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.subscriptions.adapters.orm import subscriptions
from services.subscriptions.domain.model import Subscription

S = subscriptions.c
WRITTEN = [c for c in subscriptions.columns if c.name != "id"]


class Loaded:
    """Aggregates read for a batch, with the row each was read from: what changed is written."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows = {r.id: dict(r._mapping) for r in rows}
        self.aggregates = {i: Subscription(**row) for i, row in self.rows.items()}

    def changed(self) -> list[tuple[Subscription, int]]:
        """(aggregate, the version it was read at) of every aggregate that moved."""
        return [
            (sub, self.rows[i]["version"])
            for i, sub in self.aggregates.items()
            if any(getattr(sub, c.name) != self.rows[i][c.name] for c in WRITTEN)
        ]


class SubscriptionRows:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_update(self, ids: Iterable[str]) -> Loaded:
        """Locked in id order (PostgreSQL), so that batches of two replicas never deadlock."""
        rows = await self.session.execute(
            select(subscriptions).where(S.id.in_(set(ids))).order_by(S.id).with_for_update()
        )
        return Loaded(rows.all())

    async def save(self, changed: Sequence[tuple[Subscription, int]]) -> None:
        """One UPDATE per row in one executemany, each only if its version is still the one
        read (the ORM's optimistic check, kept)."""
        if not changed:
            return
        statement = (
            subscriptions.update()
            .where(S.id == bindparam("b_id"), S.version == bindparam("b_read_version"))
            .values({c.name: bindparam(f"b_{c.name}", type_=c.type) for c in WRITTEN})
        )
        rows = [
            {
                "b_id": sub.id,
                "b_read_version": read_version,
                **{f"b_{c.name}": getattr(sub, c.name) for c in WRITTEN},
            }
            for sub, read_version in changed
        ]
        result = await self.session.execute(statement, rows)
        dialect = self.session.get_bind().dialect
        if dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):  # type: ignore[attr-defined]
            raise StaleDataError(f"{len(rows) - result.rowcount} subscriptions changed meanwhile")  # type: ignore[attr-defined]
