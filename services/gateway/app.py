"""The one public door: authenticates, forwards to the owning service, passes errors through.
It holds no business rule; services decide and scope every query to the caller's account."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from services.gateway.auth import keyring
from services.gateway.config import DEV_ENVIRONMENTS, SERVICES, GatewaySettings
from services.gateway.dashboard import dashboard_router
from services.gateway.devauth import dev_auth_router
from services.gateway.openapi import ServiceSchemas, build_document
from services.gateway.policy import permitted
from services.gateway.proxy import forward
from services.gateway.ratelimit import CallerDep, RateLimiter
from services.gateway.routes import ROUTES, Route
from services.gateway.web import mount_web_app
from shared.http import install_error_handlers
from shared.observability.metrics import install_metrics
from shared.observability.tracing import instrument_app
from shared.principal import HEADER_INTERNAL_TOKEN, HEADER_REQUEST_ID

log = logging.getLogger(__name__)
DESCRIPTION = """Subscriptions, renewals, quotes, invoices and payments of one customer account.

**Authentication**: `Authorization: Bearer <JWT>` from the identity provider (RS256; in
development `make token`). Claims: `sub`, `csn` (customer account), `roles`, `partner_csn`.

**Roles**: each operation names the roles that may call it (`docs/roles.md`); others get 403.
Objects of another account are 404, never 403.

**Errors**: RFC 9457 `application/problem+json` with a stable `code`; every response carries
`X-Request-Id` (send your own to correlate; it becomes the events' correlation id).

**Idempotency**: POSTs that create or pay accept `Idempotency-Key`; a repeat within 24 h gets
the first response (header `Idempotent-Replayed: true`).

**Rate limits**: per caller (subject + account) and per gateway replica; 429 with `Retry-After`.
"""


def _add(router: APIRouter, route: Route) -> None:
    async def endpoint(request: Request, principal: CallerDep) -> Response:
        return await forward(request, principal, route)

    # Stable operation ids for generated clients: get_v1_invoices_invoice_id
    operation_id = re.sub(r"\W+", "_", f"{route.method} {route.path}".lower()).strip("_")
    router.add_api_route(
        route.path,
        endpoint,
        methods=[route.method],
        summary=route.summary,
        tags=[route.service],
        operation_id=operation_id,
        # Checked first (R-ROLE-1); the caller it authenticates is the one the endpoint gets.
        dependencies=[Depends(permitted(route.action))],
    )


def api_router(routes: Sequence[Route]) -> APIRouter:
    r = APIRouter()
    # Fixed paths first: /v1/subscriptions/summary must not be taken for a subscription id.
    for route in sorted(routes, key=lambda route: route.path.count("{")):
        _add(r, route)
    return r


class ClockAdvance(BaseModel):
    days: int = Field(default=0, ge=0, le=3650)
    seconds: int = Field(default=0, ge=0)


def dev_router() -> APIRouter:
    """Moves every service's clock forward together (dev/test only), to watch renewals happen."""
    r = APIRouter(prefix="/v1/dev", tags=["dev"])

    async def _fan_out(
        request: Request, method: str, body: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        settings: GatewaySettings = request.app.state.settings
        client: httpx.AsyncClient = request.app.state.http
        headers = {HEADER_INTERNAL_TOKEN: settings.internal_token}
        calls = [
            client.request(
                method, f"{settings.service_url(s)}/internal/dev/clock", json=body, headers=headers
            )
            for s in SERVICES
        ]
        try:
            responses = await asyncio.gather(*calls)
        except httpx.HTTPError as exc:
            raise HTTPException(503, f"A service is unavailable: {exc!r}") from exc
        for s, resp in zip(SERVICES, responses, strict=True):
            if resp.status_code != 200:
                raise HTTPException(502, f"{s} refused the clock change: {resp.text}")
        return [{"service": s, **resp.json()} for s, resp in zip(SERVICES, responses, strict=True)]

    @r.get("/clock", summary="Each service's clock")
    async def get_clock(request: Request, _: CallerDep) -> list[dict[str, Any]]:
        return await _fan_out(request, "GET")

    @r.post("/clock/advance", summary="Move every service's clock forward")
    async def advance(request: Request, body: ClockAdvance, _: CallerDep) -> list[dict[str, Any]]:
        current = max(c["offset_seconds"] for c in await _fan_out(request, "GET"))
        offset = current + int(timedelta(days=body.days, seconds=body.seconds).total_seconds())
        return await _fan_out(request, "PUT", {"offset_seconds": offset})

    return r


def create_app(
    settings: GatewaySettings | None = None, routes: Sequence[Route] = ROUTES
) -> FastAPI:
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        async with httpx.AsyncClient(
            timeout=settings.service_timeout_seconds, limits=limits
        ) as client:
            app.state.http = client
            yield

    app = FastAPI(
        title="Billing & Orders API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=None,  # served below: it includes what each service documents
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.keys = keyring(settings)  # a bad key or JWKS file stops start-up here
    app.state.limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[HEADER_REQUEST_ID],
        )

    _add_operations(app, settings)
    app.include_router(dashboard_router())
    app.include_router(api_router(routes))
    if settings.dev_clock_enabled:
        app.include_router(dev_router())
    if settings.environment in DEV_ENVIRONMENTS:  # never in prod: dev sign-in of the web app
        app.include_router(dev_auth_router())
    _serve_openapi(app, routes)
    install_metrics(app, "gateway")  # internal network only: docs/operations.md
    instrument_app(app, "gateway")  # OpenTelemetry, when OTEL_* turns it on
    mount_web_app(app, settings)  # last: its fallback takes what no other route took
    return app


def _add_operations(app: FastAPI, settings: GatewaySettings) -> None:
    """Liveness, and readiness of the gateway and each service behind it."""

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", tags=["operations"], summary="Readiness of the gateway and each service")
    async def readyz(request: Request, response: Response) -> dict[str, Any]:
        client: httpx.AsyncClient = request.app.state.http

        async def probe(s: str) -> tuple[str, bool]:
            try:
                return s, (
                    await client.get(f"{settings.service_url(s)}/readyz", timeout=2)
                ).status_code == 200
            except httpx.HTTPError:
                return s, False

        states = dict(await asyncio.gather(*(probe(s) for s in SERVICES)))
        if not all(states.values()):
            response.status_code = 503
        return {"status": "ready" if all(states.values()) else "degraded", "services": states}


def _serve_openapi(app: FastAPI, routes: Sequence[Route]) -> None:
    service_schemas = ServiceSchemas()
    services = {r.service for r in routes}

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        cached = getattr(app.state, "openapi", None)
        if cached is None:
            docs = await service_schemas.get(request.app.state.http, app.state.settings, services)
            cached = build_document(app, routes, docs)
            if services <= set(docs):  # complete: keep it
                app.state.openapi = cached
        return JSONResponse(cached)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — docs")
