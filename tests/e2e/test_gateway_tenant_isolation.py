"""Tenant isolation and roles for EVERY route of the gateway's table (R-ROLE-1..4): the
tests are generated from `services.gateway.routes.ROUTES`, so a route added later is covered
without writing a test for it.

(a) a role the policy table does not grant gets 403 `forbidden`, and every role it grants gets
    past the gateway (the services agree with the table);
(b) another account's principal gets 404 on an object of Acme — the same answer as for an id
    that does not exist, so nothing leaks about its existence;
(c) another account sees none of Acme's objects on a list or summary route.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.gateway.policy import POLICY
from services.gateway.routes import ROUTES, Route
from shared.demo import demo_accounts
from shared.http import PROBLEM
from shared.principal import Role
from tests.e2e.gateway_tools import (
    ACME,
    BLUE_HARBOR,
    EMPTY_ACCOUNT,
    PARAM,
    bearer,
    body_of,
    ensure_acme_invoice,
    entitled,
    ids_of,
    is_json,
    make_acme_objects,
    real_path,
)


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


DENIED = [
    pytest.param(route, roles, id=f"{route_id(route)} as {'+'.join(roles) or 'no role'}")
    for route in ROUTES
    for roles in [[r.value] for r in Role if r not in POLICY[route.action]] + [[]]
]
# Services that refuse a role the table grants (strict: fixing the service turns these red,
# as a reminder to drop the entry). Reported to the owners.
DISAGREEING: dict[tuple[str, Role], str] = {}
GRANTED = [
    pytest.param(
        route,
        role,
        id=f"{route_id(route)} as {role.value}",
        marks=[pytest.mark.xfail(reason=why, strict=True)]
        if (why := DISAGREEING.get((route_id(route), role)))
        else [],
    )
    for route in ROUTES
    for role in sorted(POLICY[route.action])
]
WITH_IDS = [pytest.param(r, id=route_id(r)) for r in ROUTES if PARAM.search(r.path)]
LISTS = [
    pytest.param(r, id=route_id(r))
    for r in ROUTES
    if r.method == "GET" and not PARAM.search(r.path)
]


async def call(
    client: httpx.AsyncClient, route: Route, path: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(
        route.method, path, json=await body_of(client, route), headers=headers
    )


def missing_path(route: Route) -> str:
    return PARAM.sub(lambda m: f"no-such-{m.group(1)}", route.path)


@pytest.mark.parametrize(("route", "roles"), DENIED)
async def test_a_role_without_the_right_gets_403(
    gateway: httpx.AsyncClient, route: Route, roles: list[str]
) -> None:
    """R-ROLE-1..4: the policy table is enforced on every route, before the service is asked."""
    resp = await call(
        gateway, route, missing_path(route), bearer(ACME, frozenset(map(Role, roles)))
    )
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert resp.json()["code"] == "forbidden" and "role" in resp.json()["detail"]
    assert resp.headers["x-request-id"] == resp.json()["request_id"]


@pytest.mark.parametrize(("route", "role"), GRANTED)
async def test_every_role_the_table_grants_gets_past_the_gateway(
    gateway: httpx.AsyncClient, route: Route, role: Role
) -> None:
    """R-ROLE-1..4: the services agree with the table (no blanket 403 for a granted role; a
    rule of the role itself, such as R-ROLE-4 'buyers quote one subscription', has its own code)."""
    resp = await call(gateway, route, missing_path(route), bearer(EMPTY_ACCOUNT, frozenset({role})))
    refused = resp.status_code == 403 and resp.json().get("code") == "forbidden"
    assert not refused, f"{route_id(route)} refused {role}: {resp.text}"
    assert resp.status_code < 500, resp.text


@pytest.fixture(scope="module")
async def acme_objects(gateway: httpx.AsyncClient, kafka_bootstrap: str) -> dict[str, list[str]]:
    await ensure_acme_invoice(gateway, kafka_bootstrap)
    return await make_acme_objects(gateway)


@pytest.mark.parametrize("route", WITH_IDS)
async def test_another_accounts_principal_gets_404_on_acme_objects(
    gateway: httpx.AsyncClient, route: Route, acme_objects: dict[str, list[str]]
) -> None:
    """Tenant isolation: 404, never 403, and exactly what a missing id gets (no existence leak)."""
    found = await real_path(gateway, ACME, route, acme_objects)
    assert found is not None, f"no Acme object for {route.path}: add it to make_acme_objects"
    path, source = found
    if route.method == "GET":  # the id is real: Acme itself sees it
        own = await call(gateway, route, path, entitled(ACME, route))
        assert own.status_code == 200, f"{path} (ids from {source}): {own.text}"
    other = await call(gateway, route, path, entitled(BLUE_HARBOR, route))
    missing = await call(gateway, route, missing_path(route), entitled(BLUE_HARBOR, route))
    assert (other.status_code, other.json().get("code")) == (
        missing.status_code,
        missing.json().get("code"),
    ), f"{path}: {other.text} vs a missing id: {missing.text}"
    if other.status_code == 422 and other.json()["code"] == "invalid_request":
        pytest.skip(
            f"{route_id(route)}: no valid example body (Route.request_example or the OpenAPI "
            "example); refused before the lookup, the same answer as for a missing id"
        )
    assert other.status_code == 404, other.text
    assert other.json()["code"].endswith("not_found"), other.text


@pytest.fixture(scope="module")
async def acme_ids(gateway: httpx.AsyncClient, acme_objects: dict[str, list[str]]) -> set[str]:
    """Every id Acme's entitled principals see on the list routes, plus Acme's demo objects
    and those made for these tests."""
    ids = {i for made in acme_objects.values() for i in made}
    for route in ROUTES:
        if route.method == "GET" and not PARAM.search(route.path):
            ids |= set(await ids_of(gateway, ACME, route.path))
    account = next(a for a in demo_accounts() if a["csn"] == ACME)
    for kind in ("subscriptions", "payment_methods", "teams"):
        ids |= {item["id"] for item in account[kind]}
    return ids


def strings_and_accounts(document: Any) -> tuple[set[str], set[str]]:
    """Every string in a JSON document, and the values of its `csn` fields."""
    strings, accounts = set(), set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("csn"), str):
                accounts.add(node["csn"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            strings.add(node)
    return strings, accounts


@pytest.mark.parametrize("route", LISTS)
async def test_another_account_sees_none_of_acmes_objects(
    gateway: httpx.AsyncClient, route: Route, acme_ids: set[str]
) -> None:
    """Tenant isolation on lists and summaries: not one of Acme's ids, not Acme's CSN."""
    resp = await gateway.get(
        route.path, params={"limit": 200}, headers=entitled(BLUE_HARBOR, route)
    )
    assert resp.status_code == 200, resp.text
    if is_json(resp):
        strings, accounts = strings_and_accounts(resp.json())
        assert not strings & acme_ids, f"{route.path} shows Acme's {sorted(strings & acme_ids)}"
        assert ACME not in accounts and accounts <= {BLUE_HARBOR}, accounts
    else:  # an export: neither Acme's ids nor its CSN anywhere in the text
        assert ACME not in resp.text, resp.text[:300]
        assert not [i for i in acme_ids if i in resp.text], resp.text[:300]
    own = set(await ids_of(gateway, ACME, route.path))
    theirs = set(await ids_of(gateway, BLUE_HARBOR, route.path))
    assert not own & theirs
