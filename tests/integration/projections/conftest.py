"""The quotes, notifications and payments schemas, each on a database of its own (PostgreSQL
where reachable; TEST_DATABASE_BACKEND=sqlite for SQLite), emptied for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

import services.notifications.adapters.orm as notifications_orm
import services.payments.adapters.orm as payments_orm
import services.quotes.adapters.orm as quotes_orm
from services.notifications.service_layer.uow import NotificationsUnitOfWork
from services.payments.service_layer.uow import PaymentsUnitOfWork
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.clock import FixedClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.infra.postgres import test_databases

SERVICES: dict[str, tuple[ModuleType, type[Any]]] = {
    "quotes": (quotes_orm, QuotesUnitOfWork),
    "notifications": (notifications_orm, NotificationsUnitOfWork),
    "payments": (payments_orm, PaymentsUnitOfWork),
}

MIGRATIONS = {
    name: Path(orm.__file__).resolve().parent.parent / "migrations"
    for name, (orm, _) in SERVICES.items()
}


@pytest.fixture(scope="session")
def projection_urls(artifacts: Path) -> Iterator[dict[str, str]]:
    names = [f"batch_{name}" for name in SERVICES]
    with test_databases(names, artifacts / "sqlite") as urls:
        yield {name: urls[f"batch_{name}"] for name in SERVICES}


@pytest.fixture(scope="session")
async def projection_engines(
    projection_urls: dict[str, str],
) -> AsyncIterator[dict[str, AsyncEngine]]:
    engines = {}
    for name in SERVICES:
        engines[name] = create_engine(projection_urls[name])
        await upgrade_to_head(engines[name], MIGRATIONS[name])
    yield engines
    for engine in engines.values():
        await engine.dispose()


UowFactories = dict[str, Callable[[], Any]]


@pytest.fixture
async def uows(projection_engines: dict[str, AsyncEngine]) -> UowFactories:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    factories: UowFactories = {}
    for name, (orm, uow_class) in SERVICES.items():
        engine = projection_engines[name]
        async with engine.begin() as conn:
            for table in reversed(orm.metadata.sorted_tables):
                await conn.execute(delete(table))
        sessions = session_factory(engine)
        factories[name] = lambda s=sessions, o=orm, u=uow_class, n=name: u(s, clock, n, o.messaging)
    return factories
