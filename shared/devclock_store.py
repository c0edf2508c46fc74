"""Where the dev clock's offset lives, dev/test only: one row in the service's own database, so
that a restarted or newly added replica comes back at the same (moved) time as the others
(issue 16). Made by the dev clock itself when it is enabled, never by a migration: in prod the
table does not exist."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

_metadata = MetaData()
dev_clock = Table(
    "dev_clock",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("offset_seconds", BigInteger, nullable=False),
)


_LOCK = 7_412_903_312  # N replicas start at once: one creates the table and its row


async def ensure_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
        await conn.run_sync(_metadata.create_all, checkfirst=True)
        if await conn.scalar(select(dev_clock.c.id)) is None:
            await conn.execute(dev_clock.insert().values(id=1, offset_seconds=0))


async def stored_offset(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(dev_clock.c.offset_seconds)) or 0)


async def store_offset(engine: AsyncEngine, seconds: int) -> None:
    """Forward only, like the clock: a replica that lags never moves the others back."""
    async with engine.begin() as conn:
        await conn.execute(
            update(dev_clock)
            .where(dev_clock.c.id == 1, dev_clock.c.offset_seconds < seconds)
            .values(offset_seconds=seconds)
        )
