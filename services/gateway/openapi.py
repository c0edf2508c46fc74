"""The gateway's OpenAPI document: its own operations, plus, for each forwarded route, what
the owning service documents for it (parameters, body, responses) — read from the service's
own /openapi.json, so the two never drift apart — and what the gateway adds: the bearer
token, the roles that may call it, the Idempotency-Key header and the problem+json errors.

A service that cannot be reached when the document is built leaves its routes documented
with their path parameters only (and `x-service-schema: unavailable`); the next request for
the document tries it again. Examples: the route's own (`Route.request_example`,
`Route.response_example`), else the service's, else one built from the schema.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.gateway.config import GatewaySettings
from services.gateway.policy import POLICY
from services.gateway.routes import Route
from shared.http import PROBLEM, Problem

log = logging.getLogger(__name__)

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ERRORS = {
    "401": ("Missing, invalid or expired bearer token", "unauthenticated"),
    "403": ("The caller's role may not do this (see docs/roles.md)", "forbidden"),
    "404": ("No such object in the caller's account", "not_found"),
    "422": ("The request is not valid; `errors` says where", "invalid_request"),
    "429": ("Too many requests from this caller; see Retry-After", "rate_limited"),
    "503": ("The owning service is unavailable; see Retry-After", "service_unavailable"),
    "504": ("The owning service did not answer in time", "service_timeout"),
}
_HIDDEN_HEADERS = re.compile(r"^x-(internal|principal)-", re.IGNORECASE)


def _problem_response(description: str, code: str, status: str) -> dict[str, Any]:
    example = {
        "type": f"https://docs.billing.example/errors/{code}",
        "title": code.replace("_", " "),
        "status": int(status),
        "code": code,
        "detail": description + ".",
        "request_id": "5b0f6c1e-9a53-4a0e-8d0c-2f1f3f8f9c11",
    }
    return {
        "description": description,
        "content": {PROBLEM: {"schema": PROBLEM_REF, "example": example}},
    }


class ServiceSchemas:
    """Each service's OpenAPI document, fetched once it answers."""

    def __init__(self) -> None:
        self._documents: dict[str, dict[str, Any]] = {}

    async def get(
        self, client: httpx.AsyncClient, settings: GatewaySettings, services: set[str]
    ) -> dict[str, dict[str, Any]]:
        missing = sorted(services - set(self._documents))

        async def fetch(service: str) -> None:
            try:
                resp = await client.get(f"{settings.service_url(service)}/openapi.json", timeout=3)
                if resp.status_code == 200:
                    self._documents[service] = resp.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("OpenAPI of %s not available: %r", service, exc)

        await asyncio.gather(*(fetch(s) for s in missing))
        return self._documents


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/"):
                name = v.rsplit("/", 1)[1]
                out[k] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[k] = _rename_refs(v, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _merge_components(
    target: dict[str, Any], service: str, schemas: dict[str, Any]
) -> dict[str, str]:
    """Add a service's schemas; a name already taken by a different schema gets a prefix."""
    renames: dict[str, str] = {}
    for name, schema in schemas.items():
        if name in target and target[name] != schema:
            renames[name] = f"{service}.{name}"
    for name, schema in schemas.items():
        target[renames.get(name, name)] = _rename_refs(schema, renames)
    return renames


def example_of(schema: Any, components: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """A plausible value for a JSON schema (documentation only; never used to decide)."""
    if not isinstance(schema, dict) or depth > 16:
        return None
    if "$ref" in schema:
        return example_of(
            components.get(schema["$ref"].rsplit("/", 1)[1]), components, name, depth + 1
        )
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if o.get("type") != "null"]
        if options:
            return example_of(options[0], components, name, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            prop: example_of(sub, components, prop, depth + 1)
            for prop, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [example_of(schema.get("items", {}), components, name, depth + 1)] * min(count, 3)
    if kind == "integer":
        low = schema.get(
            "minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1
        )
        return int(low)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        return _string_example(schema, name)
    return None


_NAMED = {
    "currency": "EUR",
    "csn": "5100000001",
    "partner_csn": "7700000001",
    "subscription_id": "sub-acme-cad",
    "payment_method_id": "pm-acme-visa",
    "method_id": "pm-acme-visa",
    "team_id": "team-acme-eng",
    "country": "DE",
}
_FORMATS = {
    "date": "2026-01-31",
    "date-time": "2026-01-31T09:00:00Z",
    "uuid": "3f1c2b1e-7d2a-4c55-9a3e-1b2c3d4e5f60",
    "email": "alice@acme.example",
    "uri": "https://billing.example/",
}


def _string_example(schema: dict[str, Any], name: str) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    value = _NAMED.get(name.lower(), "string")
    pattern = schema.get("pattern")
    if pattern and not re.fullmatch(pattern.strip("^$"), value):
        value = {r"[A-Z]{3}": "EUR", r"[A-Z]{2}": "DE"}.get(pattern.strip("^$"), value)
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    return (value * (low // max(1, len(value)) + 1))[: max(low, min(len(value), high))]


def _roles_note(route: Route) -> str:
    roles = ", ".join(f"`{r.value}`" for r in sorted(POLICY[route.action]))
    return f"**Action** `{route.action.value}` — roles: {roles}. Owning service: {route.service}."


def _parameters(route: Route, service_op: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The service's path and query parameters, every path parameter, and Idempotency-Key."""
    params = [
        p
        for p in (service_op or {}).get("parameters", [])
        if p.get("in") in ("path", "query") and not _HIDDEN_HEADERS.match(p.get("name", ""))
    ]
    declared = {p["name"] for p in params if p["in"] == "path"}
    params += [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in re.findall(r"\{(\w+)\}", route.path)
        if n not in declared
    ]
    if route.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A repeat with the same key returns the first response (kept 24 h); "
                "the same key for another request is refused (422 idempotency_key_reused).",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": r"^[\x21-\x7e]+$",
                },
                "example": "6f1d3e2a-1b7c-4d93-9f0e-2a8b5c4d3e21",
            }
        )
    return params


def _responses(
    route: Route, service_op: dict[str, Any] | None, components: dict[str, Any]
) -> dict[str, Any]:
    """The service's responses with examples, and the gateway's problem+json errors."""
    responses: dict[str, Any] = {}
    for status, response in (service_op or {}).get("responses", {}).items():
        if status == "422":
            continue  # the services answer problem+json, documented below
        for media_type, media in response.get("content", {}).items():
            if route.response_example is not None and status.startswith("2"):
                media["example"] = route.response_example
            elif "json" in media_type and "example" not in media and "examples" not in media:
                media["example"] = example_of(media.get("schema"), components)
        responses[status] = response
    if not any(s.startswith("2") for s in responses):
        example = route.response_example
        responses["200"] = {
            "description": "The owning service's answer",
            "content": {"application/json": {"schema": {}, "example": example or {}}},
        }
    for status, (description, code) in ERRORS.items():
        responses.setdefault(status, _problem_response(description, code, status))
    if route.idempotent:
        responses.setdefault(
            "409",
            _problem_response(
                "A request with this key is still running", "idempotency_in_progress", "409"
            ),
        )
    return responses


def _document_route(
    op: dict[str, Any],
    route: Route,
    service_doc: dict[str, Any] | None,
    components: dict[str, Any],
) -> None:
    service_op = None
    if service_doc is not None:
        renames = _merge_components(
            components, route.service, service_doc.get("components", {}).get("schemas", {})
        )
        raw = service_doc.get("paths", {}).get(route.path, {}).get(route.method.lower())
        service_op = _rename_refs(copy.deepcopy(raw), renames) if raw else None
    else:
        op["x-service-schema"] = "unavailable"
    op["parameters"] = _parameters(route, service_op)
    if service_op and "requestBody" in service_op:
        body = service_op["requestBody"]
        for media in body.get("content", {}).values():
            example = route.request_example or example_of(media.get("schema"), components)
            media.setdefault("example", example)
        op["requestBody"] = body
    op["responses"] = _responses(route, service_op, components)
    summary = (service_op or {}).get("description")
    op["description"] = "\n\n".join(p for p in (summary, _roles_note(route)) if p)


def build_document(
    app: FastAPI,
    routes: Sequence[Route],
    service_docs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for route in routes:
        op = document["paths"][route.path][route.method.lower()]
        _document_route(op, route, service_docs.get(route.service), components)
    for path, ops in document["paths"].items():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            if "422" in responses and "HTTPValidationError" in json.dumps(responses["422"]):
                responses["422"] = _problem_response(*ERRORS["422"], "422")
            if path.startswith("/v1/"):
                for status in ("401", "429"):
                    responses.setdefault(status, _problem_response(*ERRORS[status], status))
    for unused in ("HTTPValidationError", "ValidationError"):
        if (
            unused not in json.dumps({k: v for k, v in document.items() if k != "components"})
            and unused in components
            and not _referenced(components, unused)
        ):
            components.pop(unused)
    return document


def _referenced(components: dict[str, Any], name: str) -> bool:
    ref = f"#/components/schemas/{name}"
    return any(ref in json.dumps(schema) for key, schema in components.items() if key != name)
