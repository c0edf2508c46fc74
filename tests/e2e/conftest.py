from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.infra.stack import Stack, settings_under_test
from tests.e2e.web_support import browser, new_page, web_stack  # noqa: F401  (browser tests)


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, database_urls: dict[str, str], artifacts: Path) -> Iterator[Stack]:
    """The four services and the gateway as real processes, with the demo accounts loaded."""
    s = Stack(
        bootstrap_servers=kafka_bootstrap,
        database_urls=database_urls,
        log_dir=artifacts / "logs",
        env={**settings_under_test(artifacts / "sandbox-psp-ledger.db"), "LOAD_DEMO_DATA": "true"},
    )
    s.start()
    try:
        yield s
    finally:
        s.stop()


def token_for(subject: str, csn: str, roles: list[str]) -> str:
    return issue_token(GatewaySettings(), subject=subject, csn=csn, roles=roles)


ALICE = {
    "Authorization": f"Bearer {token_for('alice@acme.example', '5100000001', ['primary_admin'])}"
}
NORA = {
    "Authorization": f"Bearer {token_for('nora@blueharbor.example', '5100000002', ['primary_admin'])}"
}
UMA = {"Authorization": f"Bearer {token_for('uma@acme.example', '5100000001', ['user'])}"}


@pytest.fixture(scope="session")
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as client:
        yield client
