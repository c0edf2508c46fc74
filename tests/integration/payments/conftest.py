"""The payments schema on a database of its own (PostgreSQL where reachable), a clock the
tests move, and the sandbox provider on a ledger of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

import services.payments.adapters.orm as orm
from services.payments.adapters.provider import SandboxProvider
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.clock import FixedClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.infra.postgres import test_databases

MIGRATIONS = Path(orm.__file__).resolve().parent.parent / "migrations"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def payments_database_url(artifacts: Path) -> Iterator[str]:
    with test_databases(["payments_it"], artifacts / "sqlite") as urls:
        yield urls["payments_it"]


@pytest.fixture(scope="session")
async def payments_engine(payments_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(payments_database_url)
    await upgrade_to_head(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(payments_engine: AsyncEngine) -> AsyncEngine:
    """Empty tables for each test."""
    async with payments_engine.begin() as conn:
        for table in reversed(orm.metadata.sorted_tables):
            await conn.execute(delete(table))
    return payments_engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


UowFactory = Callable[[], PaymentsUnitOfWork]


@pytest.fixture
def uow(db: AsyncEngine, clock: FixedClock) -> UowFactory:
    sessions = session_factory(db)
    return lambda: PaymentsUnitOfWork(sessions, clock, "payments", orm.messaging)


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxProvider:
    return SandboxProvider(tmp_path / "ledger.db")
