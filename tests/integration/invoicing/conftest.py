"""A database of its own for invoicing's integration tests, migrated with its schema."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import services.invoicing.adapters.orm as invoicing_orm
from services.invoicing.domain.model import Customer
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.clock import FixedClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.infra.postgres import test_databases

MIGRATIONS = Path(invoicing_orm.__file__).resolve().parent.parent / "migrations"
ISSUED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def invoicing_url(artifacts: Path) -> Iterator[str]:
    with test_databases(["invoicing_it"], artifacts / "sqlite") as urls:
        yield urls["invoicing_it"]


@pytest.fixture(scope="session")
async def invoicing_engine(invoicing_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(invoicing_url)
    await upgrade_to_head(engine, MIGRATIONS)
    yield engine
    await engine.dispose()


def uow_at(engine: AsyncEngine, at: datetime = ISSUED_AT) -> InvoicingUnitOfWork:
    return InvoicingUnitOfWork(
        session_factory(engine), FixedClock(at), "invoicing", invoicing_orm.messaging
    )


async def add_customer(engine: AsyncEngine, csn: str) -> None:
    async with uow_at(engine) as uow:
        uow.customers.add(
            Customer(
                csn=csn,
                company_name="Acme Robotics GmbH",
                address_line1="Friedrichstrasse 68",
                city="Berlin",
                postal_code="10117",
                country="DE",
            )
        )
        await uow.commit()
