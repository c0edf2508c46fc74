"""Without `pool_pre_ping` (issue 13), connections PostgreSQL dropped — as a restart drops
them: every backend terminated with an admin shutdown — fail one unit of work, with an error
the consumers and the HTTP layer treat as transient (redelivery, 503), and the pool is then
renewed whole: the next units of work succeed, none meets another dead pooled connection.

What a real restart adds (the server refusing connections for a moment) is `make chaos`'s:
it restarts the shared PostgreSQL and is not run by the suite."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from shared.messaging.transient import is_transient

POOLED = 4


async def pooled_backends(engine: AsyncEngine) -> list[int]:
    """Check out POOLED connections at once and give them back: their backend pids."""
    conns = [await engine.connect() for _ in range(POOLED)]
    try:
        return [int(await c.scalar(text("SELECT pg_backend_pid()")) or 0) for c in conns]
    finally:
        for c in conns:
            await c.close()


async def one_unit_of_work(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        return int(await conn.scalar(text("SELECT 1")) or 0)


async def test_dropped_connections_fail_one_unit_of_work_transiently(
    database_urls: dict[str, str],
) -> None:
    url = database_urls["integration"]
    if not url.startswith("postgresql"):
        pytest.skip("a PostgreSQL pool; SQLite has no server to drop connections")
    engine = create_engine(url, pool_size=POOLED, max_overflow=0)
    admin = create_engine(url, pool_size=1, max_overflow=0)
    try:
        assert engine.pool._pre_ping is False  # type: ignore[attr-defined]
        pids = await pooled_backends(engine)
        async with admin.connect() as conn:
            for pid in pids:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.2)  # the FATAL reaches the clients

        with pytest.raises(Exception) as failed:
            await one_unit_of_work(engine)
        assert is_transient(failed.value), repr(failed.value)

        assert [await one_unit_of_work(engine) for _ in range(2 * POOLED)] == [1] * 2 * POOLED
        assert not set(await pooled_backends(engine)) & set(pids), "a dropped connection kept"
    finally:
        await engine.dispose()
        await admin.dispose()
