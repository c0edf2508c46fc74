"""Real parts for the suite: a Kafka-protocol broker and fresh PostgreSQL databases
(see shared/infra: environment, then testcontainers, then Tansu / SQLite outside CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from shared.infra.kafka import kafka_broker
from shared.infra.postgres import sqlite_requested, test_databases
from shared.infra.stack import SERVICE_NAMES

# Properties, not timings: on a busy 2-core machine an example may take longer than
# hypothesis' default 200 ms deadline without anything being wrong (speed lives in bench/).
settings.register_profile("billing", deadline=None)
settings.load_profile("billing")

# The SQLite pass (`make test`'s second one) keeps its logs and files apart from the first's.
ARTIFACTS = (
    Path(__file__).resolve().parent.parent
    / "var"
    / ("test-run-sqlite" if sqlite_requested() else "test-run")
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests are marked by folder: unit/, integration/, e2e/, contracts/ (unit)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for marker in ("unit", "integration", "e2e"):
            if marker in parts:
                item.add_marker(getattr(pytest.mark, marker))
        if "contracts" in parts:
            item.add_marker(pytest.mark.unit)
    # The audit of what the run left at rest (no card data, R-PAY-1) looks at everything the
    # other tests wrote: it runs last.
    items.sort(key=lambda item: "audit" in Path(str(item.fspath)).parts)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def kafka_bootstrap(artifacts: Path) -> Iterator[str]:
    with kafka_broker(log_path=artifacts / "broker.log") as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def database_urls(artifacts: Path) -> Iterator[dict[str, str]]:
    with test_databases([*SERVICE_NAMES, "integration"], artifacts / "sqlite") as urls:
        if os.environ.get("CI", "").lower() == "true" and not sqlite_requested():
            assert all(u.startswith("postgresql") for u in urls.values()), (
                "CI must run on PostgreSQL"
            )
        yield urls
