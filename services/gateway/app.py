"""The one public door: authenticates, forwards to the owning service, passes errors through.
It holds no business rule; services decide and scope every query to the caller's account."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field

from services.gateway.auth import PrincipalDep
from services.gateway.config import SERVICES, GatewaySettings
from shared.http import install_error_handlers, request_id
from shared.principal import HEADER_INTERNAL_TOKEN, HEADER_REQUEST_ID, to_headers

log = logging.getLogger(__name__)
_PASS_HEADERS = ("content-type",)


async def forward(request: Request, principal: PrincipalDep, service: str, path: str) -> Response:
    settings: GatewaySettings = request.app.state.settings
    client: httpx.AsyncClient = request.app.state.http
    headers = {
        **to_headers(principal),
        HEADER_INTERNAL_TOKEN: settings.internal_token,
        HEADER_REQUEST_ID: request_id(request),
    }
    if ct := request.headers.get("content-type"):
        headers["content-type"] = ct
    try:
        upstream = await client.request(
            request.method,
            f"{settings.service_url(service)}{path}",
            params=list(request.query_params.multi_items()),
            content=await request.body(),
            headers=headers,
        )
    except httpx.HTTPError as exc:
        log.warning("%s unavailable: %r", service, exc)
        raise HTTPException(
            503, f"The {service} service is unavailable; try again shortly."
        ) from exc
    passed = {k: v for k, v in upstream.headers.items() if k.lower() in _PASS_HEADERS}
    return Response(upstream.content, status_code=upstream.status_code, headers=passed)


def _route(router: APIRouter, method: str, path: str, service: str, summary: str) -> None:
    async def endpoint(request: Request, principal: PrincipalDep) -> Response:
        return await forward(request, principal, service, request.url.path)

    operation_id = re.sub(r"\W+", "_", f"{method} {path}".lower()).strip("_")  # get_v1_invoices
    router.add_api_route(
        path, endpoint, methods=[method], summary=summary, tags=[service], operation_id=operation_id
    )


def api_router() -> APIRouter:
    r = APIRouter()
    _route(r, "GET", "/v1/subscriptions", "subscriptions", "List subscriptions (R-SUB-2)")
    _route(
        r,
        "GET",
        "/v1/subscriptions/{subscription_id}",
        "subscriptions",
        "Subscription detail (R-SUB-2)",
    )
    _route(r, "GET", "/v1/quotes", "quotes", "Active quotes (R-QUO-1)")
    _route(r, "GET", "/v1/invoices", "invoicing", "List invoices (R-INV-1)")
    _route(r, "GET", "/v1/invoices/{invoice_id}", "invoicing", "Invoice detail (R-INV-1)")
    _route(r, "GET", "/v1/payment-methods", "payments", "Saved payment methods (R-PAY-1)")
    _route(r, "GET", "/v1/payment-methods/{method_id}", "payments", "One payment method (R-PAY-1)")
    _route(r, "GET", "/v1/charges", "payments", "Charges, by invoice")
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
    async def get_clock(request: Request, _: PrincipalDep) -> list[dict[str, Any]]:
        return await _fan_out(request, "GET")

    @r.post("/clock/advance", summary="Move every service's clock forward")
    async def advance(
        request: Request, body: ClockAdvance, _: PrincipalDep
    ) -> list[dict[str, Any]]:
        current = max(c["offset_seconds"] for c in await _fan_out(request, "GET"))
        offset = current + int(timedelta(days=body.days, seconds=body.seconds).total_seconds())
        return await _fan_out(request, "PUT", {"offset_seconds": offset})

    return r


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
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
        description="Subscriptions, renewals, quotes, invoices and payments of one customer account.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[HEADER_REQUEST_ID],
        )

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

    app.include_router(api_router())
    if settings.dev_clock_enabled:
        app.include_router(dev_router())
    return app
