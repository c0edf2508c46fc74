"""Idempotency-Key on every POST of the table that creates or pays (Route.idempotent), through
the public gateway against the real owning service (ARCHITECTURE: idempotent commands).

Generated from ROUTES. Each call is made for an account that has no data (its answer is the
service's own — typically 404 for the objects of the route's example body — and changes
nothing anyone else sees); that answer is what a repeat must get back. The mechanism itself
(successful creates executed once, waiting duplicates, purge after 24 h) is proven in
tests/integration/test_gateway_idempotency_keys.py.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from services.gateway.policy import POLICY
from services.gateway.routes import ROUTES, Route
from tests.e2e.gateway_tools import EMPTY_ACCOUNT, PARAM, bearer, body_of

IDEMPOTENT = [pytest.param(r, id=f"{r.method} {r.path}") for r in ROUTES if r.idempotent]


def path_of(route: Route) -> str:
    return PARAM.sub(lambda m: f"idem-{m.group(1)}", route.path)


def headers(route: Route, key: str) -> dict[str, str]:
    return {**bearer(EMPTY_ACCOUNT, POLICY[route.action]), "Idempotency-Key": key}


async def first_answer(gateway: httpx.AsyncClient, route: Route, key: str) -> httpx.Response:
    body = await body_of(gateway, route)
    resp = await gateway.post(path_of(route), json=body, headers=headers(route, key))
    assert resp.status_code < 500, resp.text
    if resp.status_code == 422 and resp.json().get("code") == "invalid_request":
        pytest.skip(f"{route.path}: no valid request_example on the route; nothing is kept")
    return resp


def test_every_post_that_creates_or_pays_is_declared_idempotent() -> None:
    """ARCHITECTURE: idempotent commands. Creates and payments are POSTs; the table says which."""
    assert all(r.method == "POST" for r in ROUTES if r.idempotent)


@pytest.mark.parametrize("route", IDEMPOTENT)
async def test_a_repeat_gets_the_first_answer(gateway: httpx.AsyncClient, route: Route) -> None:
    key = str(uuid.uuid4())
    first = await first_answer(gateway, route, key)
    body = await body_of(gateway, route)
    again = await gateway.post(path_of(route), json=body, headers=headers(route, key))
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers.get("idempotent-replayed") == "true"


@pytest.mark.parametrize("route", IDEMPOTENT)
async def test_the_same_key_for_another_body_is_refused(
    gateway: httpx.AsyncClient, route: Route
) -> None:
    key = str(uuid.uuid4())
    await first_answer(gateway, route, key)
    changed = {**(await body_of(gateway, route) or {}), "_changed": True}
    resp = await gateway.post(path_of(route), json=changed, headers=headers(route, key))
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("route", IDEMPOTENT)
async def test_concurrent_duplicates_get_one_answer(
    gateway: httpx.AsyncClient, route: Route
) -> None:
    key, body = str(uuid.uuid4()), await body_of(gateway, route)
    answers = await asyncio.gather(
        *(gateway.post(path_of(route), json=body, headers=headers(route, key)) for _ in range(5))
    )
    if any(a.status_code == 422 and a.json().get("code") == "invalid_request" for a in answers):
        pytest.skip(f"{route.path}: no valid request_example on the route; nothing is kept")
    assert len({(a.status_code, a.content) for a in answers}) == 1, [a.text for a in answers]
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
