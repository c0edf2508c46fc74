"""Errors in one format (RFC 9457 problem+json, stable `code`), passed through from the
services, with the request id on every response; rate limiting per caller (429)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.gateway.routes import ROUTES
from shared.http import PROBLEM
from shared.infra.stack import Stack
from tests.e2e.conftest import ALICE, UMA
from tests.e2e.gateway_tools import ACME, PARAM, bearer, degraded_gateway, entitled, extra_gateway


def assert_problem(resp: httpx.Response, status: int, code: str, rid: str | None = None) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == status and body["code"] == code
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    assert resp.headers["x-request-id"] == body["request_id"]
    if rid is not None:
        assert body["request_id"] == rid


CASES = [
    ("GET", "/v1/subscriptions", {}, 401, "unauthenticated"),
    ("GET", "/v1/subscriptions", {"Authorization": "Bearer not.a.jwt"}, 401, "unauthenticated"),
    ("GET", "/v1/subscriptions", {"Authorization": "Basic YWxpY2U6eA=="}, 401, "unauthenticated"),
    ("GET", "/v1/invoices", UMA, 403, "forbidden"),
    ("GET", "/v1/no-such-thing", ALICE, 404, "not_found"),
    ("DELETE", "/v1/subscriptions", ALICE, 405, "method_not_allowed"),
    ("GET", "/v1/subscriptions/sub-nope", ALICE, 404, "subscription_not_found"),
    ("GET", "/v1/subscriptions?limit=0", ALICE, 422, "invalid_request"),
    ("POST", "/v1/dev/clock/advance", ALICE, 422, "invalid_request"),
    ("GET", "/v1/subscriptions?q=a%00b", ALICE, 422, "invalid_request"),
    ("GET", "/v1/subscriptions/sub%00x", ALICE, 422, "invalid_request"),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "code"),
    CASES,
    ids=[f"{c[3]} {c[4]} {c[0]} {c[1]}" for c in CASES],
)
async def test_every_error_is_problem_json_with_a_stable_code_and_the_request_id(
    gateway: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    """Gateway errors and the services' own (passed through) look the same; the service saw
    the request id the caller sent (its body carries it)."""
    rid = f"test-{uuid.uuid4()}"
    resp = await gateway.request(
        method,
        path,
        headers={**headers, "X-Request-Id": rid},
        json=[] if method == "POST" else None,
    )
    assert_problem(resp, status, code, rid)
    if status == 401:
        assert resp.headers["www-authenticate"].startswith("Bearer")


async def test_an_offset_beyond_any_list_is_refused_not_a_500(gateway: httpx.AsyncClient) -> None:
    """Found by fuzzing: an offset past what a database takes (here 5.3e20) was a 500 on
    /v1/payment-methods. Every paginated list of the table answers 422 instead."""
    document = (await gateway.get("/openapi.json")).json()
    paginated = [
        r
        for r in ROUTES
        if r.method == "GET"
        and not PARAM.search(r.path)
        and any(p["name"] == "offset" for p in document["paths"][r.path]["get"]["parameters"])
    ]
    assert len(paginated) >= 9, [r.path for r in paginated]
    for route in paginated:
        resp = await gateway.get(
            route.path, params={"offset": "530814204843291508736"}, headers=entitled(ACME, route)
        )
        assert_problem(resp, 422, "invalid_request")
        ok = await gateway.get(
            route.path, params={"offset": "1000000"}, headers=entitled(ACME, route)
        )
        assert ok.status_code == 200 and ok.json()["items"] == [], f"{route.path}: {ok.text}"


@pytest.mark.parametrize("text", ["nul \\u0000 inside", "lone \\udacd surrogate"])
async def test_text_no_service_could_store_is_refused_not_a_500(
    gateway: httpx.AsyncClient, text: str
) -> None:
    """Found by fuzzing: PostgreSQL refuses NUL and unpaired surrogates; the caller gets 422."""
    body = f'{{"subscription_ids": ["{text}"], "auto_renew": true}}'
    resp = await gateway.post(
        "/v1/subscriptions/auto-renew",
        content=body,
        headers={**ALICE, "content-type": "application/json"},
    )
    assert_problem(resp, 422, "invalid_request")


async def test_a_request_id_is_made_when_none_or_an_unusable_one_is_sent(
    gateway: httpx.AsyncClient,
) -> None:
    plain = await gateway.get("/v1/subscriptions", headers=ALICE)
    assert uuid.UUID(plain.headers["x-request-id"])
    for bad in ("x" * 200, "two words", "<script>"):
        resp = await gateway.get("/v1/subscriptions", headers={**ALICE, "X-Request-Id": bad})
        assert resp.status_code == 200 and uuid.UUID(resp.headers["x-request-id"])


@pytest.fixture(scope="module")
async def degraded(stack: Stack, artifacts: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        degraded_gateway(stack, artifacts / "logs") as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


async def test_a_service_that_is_down_gives_503_with_retry_after(
    degraded: httpx.AsyncClient,
) -> None:
    resp = await degraded.get("/v1/payment-methods", headers=ALICE)
    assert_problem(resp, 503, "service_unavailable")
    assert resp.headers["retry-after"] == "1"


async def test_a_service_that_does_not_answer_gives_504(degraded: httpx.AsyncClient) -> None:
    assert_problem(await degraded.get("/v1/quotes", headers=ALICE), 504, "service_timeout")


async def test_the_other_services_still_answer_when_one_is_down(
    degraded: httpx.AsyncClient,
) -> None:
    assert (await degraded.get("/v1/subscriptions", headers=ALICE)).status_code == 200


@pytest.fixture(scope="module")
def limited(stack: Stack, artifacts: Path) -> str:
    """A gateway that lets a caller make 3 requests, then one per 100 s."""
    with extra_gateway(
        stack, artifacts / "logs", RATE_LIMIT_PER_SECOND="0.01", RATE_LIMIT_BURST="3"
    ) as url:
        yield url  # type: ignore[misc]


async def test_a_caller_over_its_rate_gets_429_with_retry_after(limited: str) -> None:
    caller = bearer(ACME, ["primary_admin"], subject=f"burst-{uuid.uuid4().hex[:6]}@acme.example")
    async with httpx.AsyncClient(base_url=limited, timeout=15) as client:
        within = [await client.get("/v1/subscriptions", headers=caller) for _ in range(3)]
        over = await client.get("/v1/subscriptions", headers=caller)
        other = await client.get("/v1/subscriptions", headers=bearer(ACME, ["primary_admin"]))
    assert [r.status_code for r in within] == [200, 200, 200]
    assert_problem(over, 429, "rate_limited")
    assert 1 <= int(over.headers["retry-after"]) <= 100
    assert other.status_code == 200  # another caller of the same account has its own bucket


async def test_the_limit_is_per_caller_and_account(limited: str) -> None:
    """The same subject acting in another account is another caller."""
    subject = f"twice-{uuid.uuid4().hex[:6]}@example.com"
    async with httpx.AsyncClient(base_url=limited, timeout=15) as client:
        for _ in range(3):
            await client.get("/v1/subscriptions", headers=bearer(ACME, ["primary_admin"], subject))
        limited_here = await client.get(
            "/v1/subscriptions", headers=bearer(ACME, ["primary_admin"], subject)
        )
        elsewhere = await client.get(
            "/v1/subscriptions", headers=bearer("5100000002", ["primary_admin"], subject)
        )
    assert limited_here.status_code == 429 and elsewhere.status_code == 200
