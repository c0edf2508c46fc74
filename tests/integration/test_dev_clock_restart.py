"""The dev clock survives a restart (issue 16): its offset is kept in the service's own
database, so a restarted process, or a replica added later, comes back at the moved time, and
a replica already running follows it at its next sync. Real service processes' start-up on a
real database (PostgreSQL, or SQLite with TEST_DATABASE_BACKEND=sqlite); the broker is
unreachable on purpose (the clock does not depend on it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.quotes.app import build
from services.quotes.config import Settings
from shared.infra.kafka import free_port
from shared.infra.postgres import test_databases as fresh_databases
from shared.runtime import Service
from shared.settings import DEV_INTERNAL_TOKEN

pytestmark = pytest.mark.integration
FIVE_DAYS = int(timedelta(days=5).total_seconds())


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_databases(["devclock"], tmp_path / "sqlite") as urls:
        yield urls["devclock"]


def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        dev_clock_enabled=True,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",  # nothing listens there
    )


async def started(database_url: str) -> Service[Any]:
    service = build(settings(database_url))
    await service.start()
    return service


async def test_a_restarted_or_added_replica_comes_back_at_the_moved_time(
    database_url: str,
) -> None:
    first = await started(database_url)
    running = await started(database_url)  # a second replica, up before the clock moves
    try:
        transport = httpx.ASGITransport(app=first.create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://quotes") as client:
            resp = await client.put(
                "/internal/dev/clock",
                json={"offset_seconds": FIVE_DAYS},
                headers={"X-Internal-Token": DEV_INTERNAL_TOKEN},
            )
        assert resp.status_code == 200, resp.text
        assert resp.json()["offset_seconds"] == FIVE_DAYS
        # Whether `running` has moved yet depends on when its dev-clock-sync job last ran (its
        # first run can come after the PUT: seen in CI); after a sync it has, whatever the timing.
        await running._sync_dev_clock(running)  # what its periodic dev-clock-sync job runs
        assert running.clock.offset == timedelta(seconds=FIVE_DAYS)
    finally:
        await first.stop()
        await running.stop()

    restarted = await started(database_url)  # the process again, or one more replica
    try:
        assert restarted.clock.offset == timedelta(seconds=FIVE_DAYS)
    finally:
        await restarted.stop()


async def test_a_lagging_replica_never_moves_the_stored_clock_back(database_url: str) -> None:
    service = await started(database_url)
    try:
        transport = httpx.ASGITransport(app=service.create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://quotes") as client:
            headers = {"X-Internal-Token": DEV_INTERNAL_TOKEN}
            await client.put(
                "/internal/dev/clock", json={"offset_seconds": FIVE_DAYS}, headers=headers
            )
            back = await client.put(
                "/internal/dev/clock", json={"offset_seconds": 60}, headers=headers
            )
        assert back.status_code == 409  # the clock never goes back
    finally:
        await service.stop()
    restarted = await started(database_url)
    try:
        assert restarted.clock.offset == timedelta(seconds=FIVE_DAYS)
    finally:
        await restarted.stop()
