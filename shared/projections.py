"""Projections of other services' snapshots (event-carried state), written many at once: a
batch of snapshots becomes one row per key, the newest, and one upsert executed for all of
them that never lets an older snapshot replace a newer one already stored (out-of-order
safe)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def newest_per_key(
    rows: Iterable[Mapping[str, Any]], key: Sequence[str], stamp: str
) -> list[dict[str, Any]]:
    """The newest row of each key by `stamp`, in the order keys were first seen. Of rows as new
    as each other the later one wins, as it would applied one at a time in delivery order."""
    newest: dict[Hashable, dict[str, Any]] = {}
    for row in rows:
        k = tuple(row[name] for name in key)
        kept = newest.get(k)
        if kept is None or kept[stamp] <= row[stamp]:
            newest[k] = dict(row)
    return list(newest.values())


def dialect_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def upsert_newest(
    session: AsyncSession, table: Table, rows: Iterable[Mapping[str, Any]], stamp: str
) -> None:
    """One statement for a batch of snapshots: each key's newest row is inserted, or replaces
    the stored one if that is not newer (`stamp`: when the snapshot was taken). Fields the
    table does not keep are dropped, so a contract may grow freely."""
    keys = [c.name for c in table.primary_key.columns]
    values = [
        {k: v for k, v in row.items() if k in table.c} for row in newest_per_key(rows, keys, stamp)
    ]
    if not values:
        return
    stmt = dialect_insert(session)(table)
    # The rows as parameters of one statement (executemany), not one VALUES clause of them all:
    # a statement with a bind parameter per row and column was compiled anew for every batch.
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=keys,
            set_={k: stmt.excluded[k] for k in values[0] if k not in keys},
            where=table.c[stamp] <= stmt.excluded[stamp],
        ),
        values,
    )
