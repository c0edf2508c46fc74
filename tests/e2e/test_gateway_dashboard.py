"""The summary dashboard in one call (R-SUM-1..4), gathered from the services at once, with
partial results marked when a service is slow or down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.dashboard import sources
from shared.infra.stack import Stack
from shared.principal import Principal, Role
from tests.e2e.conftest import ALICE, NORA, UMA
from tests.e2e.gateway_tools import ACME, bearer, degraded_gateway, service_headers
from tests.e2e.invoicing_support import get_ok, new_account, open_invoice
from tests.e2e.test_gateway_tenant_isolation import strings_and_accounts
from tests.kafka_tools import eventually

ALICE_PRINCIPAL = Principal("alice@acme.example", ACME, frozenset({Role.PRIMARY_ADMIN}))
NEW_PURCHASE_QUOTE = {
    "lines": [{"kind": "new", "product_code": "SIM", "seats": 1, "term": "annual"}],
    "currency": "EUR",
}
SECTION = {  # where each source's answer shows on the dashboard
    "summary": lambda d: {"product_cards": d["product_cards"], "alerts": d["alerts"]},
    "quotes": lambda d: d["upcoming"]["quotes"],
    "invoices": lambda d: d["upcoming"]["invoices"],
    "payments": lambda d: d["upcoming"]["payments"],
    "spending": lambda d: d["spending"],
}


async def dashboard(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    resp = await client.get("/v1/dashboard", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def test_dashboard_shows_what_each_service_says_in_one_call(
    gateway: httpx.AsyncClient, stack: Stack
) -> None:
    """R-SUM-1 product cards and R-SUM-2 alerts (subscriptions), R-SUM-3 quotes, open invoices
    and payments due in 90 days, R-SUM-4 spending: each section is its service's answer; a
    service that does not offer its part is named in `unavailable`."""

    async def as_its_sources_answer() -> dict[str, Any] | None:
        """The page and then each source read directly; the services may still be applying
        events between the two reads, so a mismatch is tried again (not a stale cache: there
        is none)."""
        page = await dashboard(gateway, ALICE)
        async with httpx.AsyncClient(timeout=15) as direct:
            for source in sources(list_limit=20):
                resp = await direct.get(
                    f"{stack.url(source.service)}{source.path}",
                    params=source.params,
                    headers=service_headers(ALICE_PRINCIPAL),
                )
                if resp.status_code == 200:
                    expected = resp.json()
                    if source.section == "summary":
                        expected = {k: expected.get(k) for k in ("product_cards", "alerts")}
                    if SECTION[source.section](page) != expected:
                        return None
                elif source.service not in page["unavailable"]:
                    return None
        return page

    page = await eventually(as_its_sources_answer, timeout=30, interval=0.5)
    assert page["csn"] == ACME and page["not_shown"] == []
    assert page["partial"] == bool(page["unavailable"])


async def test_open_invoices_and_active_quotes_due_are_on_the_dashboard(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-SUM-3: the same open invoices and active quotes as their own lists. An account of its
    own with one open invoice and one draft quote, so that the lists compared are never empty."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(2, 10_000)])
    resp = await gateway.post("/v1/quotes", json=NEW_PURCHASE_QUOTE, headers=account.admin)
    assert resp.status_code == 201, resp.text
    quote = resp.json()

    async def as_their_lists() -> dict[str, Any] | None:
        page = await dashboard(gateway, account.admin)
        invoices = await get_ok(gateway, "/v1/invoices?status=open&limit=20", account.admin)
        quotes = await get_ok(gateway, "/v1/quotes?limit=20", account.admin)
        same = page["upcoming"]["invoices"] == invoices and page["upcoming"]["quotes"] == quotes
        return page if same else None

    page = await eventually(as_their_lists, timeout=30, interval=0.5)
    assert [i["id"] for i in page["upcoming"]["invoices"]["items"]] == [invoice["id"]]
    assert [q["id"] for q in page["upcoming"]["quotes"]["items"]] == [quote["id"]]


async def test_a_plain_user_sees_no_billing_sections(gateway: httpx.AsyncClient) -> None:
    """R-ROLE-1: product cards of what is assigned to them, no quotes, invoices or money."""
    page = await dashboard(gateway, UMA)
    assert set(page["not_shown"]) == {"quotes", "invoices", "payments", "spending"}
    assert page["upcoming"] == {"quotes": None, "invoices": None, "payments": None}
    assert page["spending"] is None
    assert set(page["unavailable"]) <= {"subscriptions"}


async def test_another_accounts_dashboard_shows_nothing_of_acme(
    gateway: httpx.AsyncClient,
) -> None:
    page = await dashboard(gateway, NORA)
    strings, accounts = strings_and_accounts(page)
    assert ACME not in accounts and ACME not in strings
    assert not any(s.startswith(("sub-acme", "pm-acme", "team-acme")) for s in strings)


@pytest.mark.parametrize("role", ["partner", "billing_agent"])
async def test_roles_without_the_dashboard_get_403(gateway: httpx.AsyncClient, role: str) -> None:
    resp = await gateway.get("/v1/dashboard", headers=bearer(ACME, [role]))
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"


@pytest.fixture(scope="module")
async def degraded(stack: Stack, artifacts: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        degraded_gateway(stack, artifacts / "logs") as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


async def test_a_slow_or_dead_service_gives_a_partial_dashboard_not_an_error(
    degraded: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    """R-SUM-1..4: payments is down and quotes never answers; the page is still served, with
    their sections empty and named, and the other sections as the full page has them."""

    async def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
        page, full = await dashboard(degraded, ALICE), await dashboard(gateway, ALICE)
        same = (
            page["upcoming"]["invoices"] == full["upcoming"]["invoices"]
            and page["product_cards"] == full["product_cards"]
        )
        return (page, full) if same else None  # events may land between the two reads

    page, full = await eventually(both, timeout=30, interval=0.5)
    assert page["partial"] is True
    assert {"payments", "quotes"} <= set(page["unavailable"])
    assert page["upcoming"]["payments"] is None and page["upcoming"]["quotes"] is None
    down = {"payments", "quotes"}
    assert set(page["unavailable"]) - down == set(full["unavailable"]) - down
