from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

import services.subscriptions.adapters.orm as subscriptions_orm
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory, upgrade_to_head

MIGRATIONS = Path(subscriptions_orm.__file__).resolve().parent.parent / "migrations"


@pytest.fixture(scope="session")
async def engine(database_urls: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    """A database of its own, migrated with the subscriptions service's schema."""
    eng = create_engine(database_urls["integration"])
    await upgrade_to_head(eng, MIGRATIONS)
    yield eng
    await eng.dispose()


@pytest.fixture
async def clean_messaging(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(delete(subscriptions_orm.messaging.outbox))
        await conn.execute(delete(subscriptions_orm.messaging.processed_events))
    return engine


@pytest.fixture
def subscriptions_uow(clean_messaging: AsyncEngine) -> Callable[[], SubscriptionsUnitOfWork]:
    """A new unit of work of the subscriptions service on the clean database, per call."""
    sessions, clock = session_factory(clean_messaging), SystemClock()
    return lambda: SubscriptionsUnitOfWork(
        sessions, clock, "subscriptions", subscriptions_orm.messaging
    )
