from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import services.quotes.adapters.orm as quotes_orm
from shared.db import create_engine, upgrade_to_head
from shared.infra.postgres import test_databases

MIGRATIONS = Path(quotes_orm.__file__).resolve().parent.parent / "migrations"


@pytest.fixture(scope="session")
def quotes_database_url(artifacts: Path) -> Iterator[str]:
    """A database of its own (the e2e stack's quotes database is live meanwhile)."""
    with test_databases(["quotes_integration"], artifacts / "sqlite") as urls:
        yield urls["quotes_integration"]


@pytest.fixture(scope="session")
async def quotes_engine(quotes_database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(quotes_database_url)
    await upgrade_to_head(eng, MIGRATIONS)
    yield eng
    await eng.dispose()
