"""The card-data audit reads every table of a PostgreSQL database (R-PAY-1)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.adapters.orm import payment_methods
from tests.audit.scan import card_data_in_database
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import add_method


async def test_scan_finds_a_card_number_stored_in_any_column(
    uow: UowFactory, db: AsyncEngine, payments_database_url: str
) -> None:
    if not payments_database_url.startswith("postgresql"):
        pytest.skip("SQLite databases are scanned as files (tests/unit/payments)")
    assert await card_data_in_database(payments_database_url) == []

    await add_method(uow, holder_name="4242424242424242")
    try:
        [finding] = await card_data_in_database(payments_database_url)
    finally:  # leave no card number behind, even in a database the run drops
        async with db.begin() as conn:
            await conn.execute(delete(payment_methods))

    assert finding.where.endswith(".payment_methods")
