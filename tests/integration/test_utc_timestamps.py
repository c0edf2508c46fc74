"""Every timestamp column reads back timezone-aware UTC, on PostgreSQL and on SQLite alike
(issue 11: on SQLite they came back naive, and comparing them with the service clock raised)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from shared.db_types import UtcDateTime

metadata = MetaData()
moments = Table(
    "utc_moments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=True),
)
BERLIN_SUMMER = timezone(timedelta(hours=2))


@pytest.fixture(params=["configured", "sqlite"])
async def engine(
    request: pytest.FixtureRequest, database_urls: dict[str, str], tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    url = (
        database_urls["integration"]
        if request.param == "configured"
        else f"sqlite+aiosqlite:///{tmp_path}/moments.db"
    )
    eng = create_engine(url)
    async with eng.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield eng
    async with eng.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await eng.dispose()


async def test_a_timestamp_reads_back_aware_in_utc_whatever_zone_it_was_written_in(
    engine: AsyncEngine,
) -> None:
    written = datetime(2026, 7, 1, 14, 30, 5, 123456, tzinfo=BERLIN_SUMMER)
    async with engine.begin() as conn:
        await conn.execute(insert(moments).values(id=1, at=written))
        await conn.execute(insert(moments).values(id=2, at=None))
    async with engine.connect() as conn:
        rows = dict((await conn.execute(select(moments.c.id, moments.c.at))).all())
    assert rows == {1: written, 2: None}
    assert rows[1].tzinfo is not None and rows[1].utcoffset() == timedelta(0)
    assert rows[1].isoformat() == "2026-07-01T12:30:05.123456+00:00"


async def test_comparisons_in_sql_and_in_python_agree_with_the_service_clock(
    engine: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for i, hours in enumerate((-2, -1, 1, 2)):
            await conn.execute(insert(moments).values(id=i, at=now + timedelta(hours=hours)))
    async with engine.connect() as conn:
        due = (await conn.scalars(select(moments.c.id).where(moments.c.at <= now))).all()
        latest = await conn.scalar(select(moments.c.at).order_by(moments.c.at.desc()).limit(1))
    assert sorted(due) == [0, 1]
    assert latest is not None and latest > now  # aware on both sides: no TypeError
