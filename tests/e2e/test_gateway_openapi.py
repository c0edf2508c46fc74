"""The gateway's OpenAPI document: every route with the owning service's schemas, examples,
the roles that may call it and its errors; CORS for the web frontend."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis

from services.gateway.policy import POLICY
from services.gateway.routes import ROUTES, Route
from shared.infra.stack import Stack
from tests.e2e.gateway_tools import extra_gateway


@pytest.fixture(scope="module")
async def document(gateway: httpx.AsyncClient) -> dict[str, Any]:
    resp = await gateway.get("/openapi.json")
    assert resp.status_code == 200
    return resp.json()  # type: ignore[no-any-return]


def operation(document: dict[str, Any], route: Route) -> dict[str, Any]:
    return document["paths"][route.path][route.method.lower()]  # type: ignore[no-any-return]


def examples(op: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(where, schema, example) of every example in an operation."""
    found = []
    for status, response in op.get("responses", {}).items():
        for media_type, media in response.get("content", {}).items():
            if "example" in media:
                found.append((f"{status} {media_type}", media.get("schema", {}), media["example"]))
    for media_type, media in op.get("requestBody", {}).get("content", {}).items():
        if "example" in media:
            found.append((f"body {media_type}", media.get("schema", {}), media["example"]))
    return found


DOCUMENTED = [pytest.param(r, id=f"{r.method} {r.path}") for r in ROUTES]


def shows_its_answer(media: dict[str, Any]) -> bool:
    """An example, or for a file (PDF) a binary schema: what a client needs to handle it."""
    return "example" in media or media.get("schema", {}).get("format") == "binary"


@pytest.mark.parametrize("route", DOCUMENTED)
def test_every_route_is_documented_with_examples_roles_and_errors(
    document: dict[str, Any], route: Route
) -> None:
    op = operation(document, route)
    assert "x-service-schema" not in op, "the owning service's OpenAPI was not read"
    success = [s for s in op["responses"] if s.startswith("2")]
    assert (
        success
        and any(
            shows_its_answer(media)
            for s in success
            for media in op["responses"][s].get("content", {}).values()
        )
    ) or (route.method != "GET" and any(not op["responses"][s].get("content") for s in success)), (
        op["responses"]
    )
    assert route.action.value in op["description"]
    assert all(role.value in op["description"] for role in POLICY[route.action])
    for status in ("401", "403", "429"):
        content = op["responses"][status]["content"]
        assert content["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
    assert names == set(re.findall(r"\{(\w+)\}", route.path))
    headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
    assert ("Idempotency-Key" in headers) == route.idempotent
    assert not any(h.lower().startswith(("x-internal", "x-principal")) for h in headers)
    if "requestBody" in op:
        assert all("example" in m for m in op["requestBody"]["content"].values())


def test_examples_match_their_schemas(document: dict[str, Any]) -> None:
    components = document["components"]
    wrong = []
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            for where, schema, example in examples(op):
                validator = jsonschema_rs.validator_for({**schema, "components": components})
                errors = [e.message for e in validator.iter_errors(example)]
                if errors:
                    wrong.append(f"{method.upper()} {path} {where}: {errors[:2]}")
    assert not wrong, "\n".join(wrong)


def test_the_dashboard_is_documented_with_an_example(document: dict[str, Any]) -> None:
    op = document["paths"]["/v1/dashboard"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    dashboard = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert dashboard["examples"][0]["partial"] is True


def test_the_document_loads_as_openapi(document: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_dict(document)
    loaded = [op for op in schema.get_all_operations()]
    assert all(op.ok() for op in loaded), [op.err() for op in loaded if not op.ok()]
    assert len(loaded) >= len(ROUTES)


@pytest.fixture(scope="module")
def cors_gateway(stack: Stack, artifacts: Path) -> str:
    with extra_gateway(
        stack, artifacts / "logs", CORS_ORIGINS='["https://app.billing.example"]'
    ) as url:
        yield url  # type: ignore[misc]


async def test_cors_lets_the_configured_web_frontend_in(cors_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=cors_gateway, timeout=15) as client:
        preflight = await client.options(
            "/v1/subscriptions",
            headers={
                "Origin": "https://app.billing.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,idempotency-key,content-type",
            },
        )
        simple = await client.get(
            "/v1/subscriptions", headers={"Origin": "https://app.billing.example"}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.billing.example"
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert simple.headers["access-control-allow-origin"] == "https://app.billing.example"
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


async def test_cors_keeps_other_origins_out(cors_gateway: str, gateway: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=cors_gateway, timeout=15) as client:
        preflight = await client.options(
            "/v1/subscriptions",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
    assert "access-control-allow-origin" not in preflight.headers
    unconfigured = await gateway.options(
        "/v1/subscriptions",
        headers={"Origin": "https://app.billing.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in unconfigured.headers
