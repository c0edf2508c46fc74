"""Forwarding one public request to the service that owns it: the caller's principal and
request id go along in internal headers; the service's answer (problem+json included) comes
back as it is, apart from hop-by-hop headers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import Request, Response

from services.gateway.config import GatewaySettings
from services.gateway.routes import Route
from shared.errors import DomainError
from shared.http import PROBLEM, request_id
from shared.idempotency.middleware import HEADER as HEADER_IDEMPOTENCY_KEY
from shared.idempotency.middleware import KEY_FORMAT
from shared.principal import HEADER_INTERNAL_TOKEN, HEADER_REQUEST_ID, Principal, to_headers
from shared.request_guard import check_body

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
_REQUEST_HEADERS = ("content-type", "accept")
_RESPONSE_HEADERS = (
    "content-type",
    "content-disposition",
    "location",
    "retry-after",
    "idempotent-replayed",
    "cache-control",
)


async def _send(client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response:
    """One retry of a read on a dropped connection (a kept-alive socket the service closed)."""
    try:
        return await client.request(method, url, **kw)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        if method not in ("GET", "HEAD"):
            raise
        return await client.request(method, url, **kw)


class ServiceUnavailable(DomainError):
    status = 503

    def __init__(self, service: str) -> None:
        super().__init__(
            "service_unavailable",
            f"The {service} service is unavailable; try again shortly.",
            headers={"Retry-After": "1"},
        )


def _storable(text: str) -> bool:
    """PostgreSQL text holds neither NUL nor unpaired surrogates (they are not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strings(document: Any) -> Iterator[str]:
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def refuse_unstorable_text(request: Request, body: bytes) -> None:
    """422 for text no service could store, before it reaches one (never a 500)."""
    parts: list[str] = [request.url.path]
    parts += [p for kv in request.query_params.multi_items() for p in kv]
    if body and "json" in request.headers.get("content-type", ""):
        try:
            parts += _strings(json.loads(body))
        except ValueError:
            pass  # not JSON: the service answers 422 itself
    if not all(_storable(p) for p in parts):
        raise DomainError(
            "invalid_request",
            "Text may not contain NUL characters or unpaired surrogates.",
            status=422,
        )


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise DomainError(
            "request_too_large", f"Bodies are limited to {MAX_BODY_BYTES} bytes.", status=413
        )
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise DomainError(
            "request_too_large", f"Bodies are limited to {MAX_BODY_BYTES} bytes.", status=413
        )
    return body


def internal_headers(request: Request, principal: Principal) -> dict[str, str]:
    """Who is calling and which request this is, for the service (it trusts the gateway)."""
    settings: GatewaySettings = request.app.state.settings
    return {
        **to_headers(principal),
        HEADER_INTERNAL_TOKEN: settings.internal_token,
        HEADER_REQUEST_ID: request_id(request),
    }


async def forward(request: Request, principal: Principal, route: Route) -> Response:
    settings: GatewaySettings = request.app.state.settings
    client: httpx.AsyncClient = request.app.state.http
    # str and, for headers passed on as received, bytes (latin-1 round-trips any byte)
    headers: dict[str, str | bytes] = {**internal_headers(request, principal)}
    for name in _REQUEST_HEADERS:  # as received: latin-1 round-trips any byte
        if value := request.headers.get(name):
            headers[name] = value.encode("latin-1")
    # POSTs that create or pay: the owning service keeps the key (ARCHITECTURE: idempotent commands).
    if route.idempotent and (key := request.headers.get(HEADER_IDEMPOTENCY_KEY)) is not None:
        if not KEY_FORMAT.fullmatch(key):
            raise DomainError(
                "idempotency_key_invalid",
                "Idempotency-Key must be 1 to 255 printable ASCII characters, e.g. a UUID.",
                status=422,
            )
        headers[HEADER_IDEMPOTENCY_KEY] = key
    # The path as the caller encoded it, so that an id holding '/' or '?' stays one segment.
    path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    body = await read_body(request)
    check_body(body)  # nesting and card data (R-PAY-1), before anything parses the body
    refuse_unstorable_text(request, body)
    try:
        upstream = await _send(
            client,
            request.method,
            f"{settings.service_url(route.service)}{path}",
            params=list(request.query_params.multi_items()),
            content=body,
            headers=headers,
        )
    except httpx.TimeoutException as exc:
        log.warning("%s timed out on %s: %r", route.service, route.path, exc)
        raise DomainError(
            "service_timeout",
            f"The {route.service} service did not answer in time; try again shortly.",
            status=504,
        ) from exc
    except httpx.HTTPError as exc:
        log.warning("%s unavailable: %r", route.service, exc)
        raise ServiceUnavailable(route.service) from exc
    content_type = upstream.headers.get("content-type", "")
    if upstream.status_code >= 500 and not content_type.startswith(PROBLEM):
        log.error("%s answered %s without a problem body", route.service, upstream.status_code)
        raise DomainError(
            "service_error", f"The {route.service} service failed; try again shortly.", status=502
        )
    passed = {k: v for k, v in upstream.headers.items() if k.lower() in _RESPONSE_HEADERS}
    return Response(upstream.content, status_code=upstream.status_code, headers=passed)
