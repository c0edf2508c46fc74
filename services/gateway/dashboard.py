"""The summary dashboard in one call (R-SUM-1..4): the gateway asks each owning service for
its part, all at once, each call bounded by a timeout. A service that is slow, down or does
not offer its part yet leaves its sections empty (null) and is named in `unavailable`, with
`partial: true`; the rest of the page is still served. Sections the caller's role may not see
(R-ROLE-1: no billing data for a plain user) are not asked for and are named in `not_shown`.
The gateway adds no rule of its own: each section is the owning service's answer."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.gateway.config import GatewaySettings
from services.gateway.policy import Action, allowed, permitted
from services.gateway.proxy import internal_headers
from shared.principal import Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    section: str
    service: str
    path: str
    action: Action
    params: dict[str, str | int] = field(default_factory=dict)


def sources(list_limit: int) -> tuple[Source, ...]:
    return (
        # R-SUM-1 product cards and R-SUM-2 alerts: the subscriptions service's summary.
        Source("summary", "subscriptions", "/v1/subscriptions/summary", Action.SUBSCRIPTIONS_READ),
        # R-SUM-3: what is due in the next 90 days.
        Source("quotes", "quotes", "/v1/quotes", Action.QUOTES_READ, {"limit": list_limit}),
        Source(
            "invoices",
            "invoicing",
            "/v1/invoices",
            Action.INVOICES_READ,
            {"status": "open", "limit": list_limit},
        ),
        Source(
            "payments",
            "payments",
            "/v1/upcoming-payments",
            Action.UPCOMING_PAYMENTS_READ,
            {"days": 90},
        ),
        # R-SUM-4: the last five months and the current one.
        Source("spending", "invoicing", "/v1/spending-summary", Action.SPENDING_READ),
    )


class Upcoming(BaseModel):
    """R-SUM-3: quotes, open invoices and payments due in the next 90 days."""

    quotes: dict[str, Any] | None = Field(description="Active quotes (quotes service page)")
    invoices: dict[str, Any] | None = Field(description="Open invoices (invoicing service page)")
    payments: Any = Field(description="Upcoming payments, next 90 days (payments service)")


class Dashboard(BaseModel):
    csn: str
    product_cards: list[Any] | None = Field(
        description="R-SUM-1: per product, subscriptions or contracts, seats and teams"
    )
    alerts: dict[str, Any] | None = Field(
        description="R-SUM-2: payment errors, last chance to renew, upcoming expiries"
    )
    upcoming: Upcoming
    spending: Any = Field(
        description="R-SUM-4: the last five months and the current one: due, errors, paid"
    )
    partial: bool = Field(description="True when a service did not answer in time")
    unavailable: list[str] = Field(description="Services whose sections are missing (null)")
    not_shown: list[str] = Field(description="Sections the caller's role does not see")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "csn": "5100000001",
                    "product_cards": [
                        {
                            "product_code": "CAD-PRO",
                            "product_name": "CAD Pro",
                            "subscriptions": 1,
                            "contracts": 0,
                            "seats": 10,
                            "teams": 1,
                        }
                    ],
                    "alerts": {
                        "payment_errors": [],
                        "last_chance_to_renew": [
                            {
                                "subscription_id": "sub-acme-pdm",
                                "product_name": "Product Data Manager",
                                "renewal_date": "2026-02-01",
                                "days_left": 12,
                            }
                        ],
                        "expiring_soon": [],
                    },
                    "upcoming": {
                        "quotes": {"items": [], "total": 0, "limit": 20, "offset": 0},
                        "invoices": {"items": [], "total": 0, "limit": 20, "offset": 0},
                        "payments": None,
                    },
                    "spending": None,
                    "partial": True,
                    "unavailable": ["payments"],
                    "not_shown": [],
                }
            ]
        }
    }


class _Unavailable(Exception):
    pass


async def _fetch(request: Request, principal: Principal, source: Source, timeout: float) -> Any:
    settings: GatewaySettings = request.app.state.settings
    client: httpx.AsyncClient = request.app.state.http
    try:
        resp = await client.get(
            f"{settings.service_url(source.service)}{source.path}",
            params=source.params,
            headers=internal_headers(request, principal),
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        log.warning("dashboard: %s %s unavailable: %r", source.service, source.path, exc)
        raise _Unavailable from exc
    if resp.status_code != 200:  # 404: not offered (yet); 5xx: failing
        log.warning("dashboard: %s %s answered %s", source.service, source.path, resp.status_code)
        raise _Unavailable
    try:
        return resp.json()
    except ValueError as exc:
        raise _Unavailable from exc


DashboardReader = Annotated[Principal, Depends(permitted(Action.DASHBOARD_READ))]


async def gather(request: Request, principal: Principal) -> Dashboard:
    settings: GatewaySettings = request.app.state.settings
    shown = [
        s for s in sources(settings.dashboard_list_limit) if allowed(s.action, principal.roles)
    ]
    results = await asyncio.gather(
        *(_fetch(request, principal, s, settings.dashboard_timeout_seconds) for s in shown),
        return_exceptions=True,
    )
    got: dict[str, Any] = {}
    unavailable: set[str] = set()
    for source, result in zip(shown, results, strict=True):
        if isinstance(result, _Unavailable):
            unavailable.add(source.service)
        elif isinstance(result, BaseException):
            raise result
        else:
            got[source.section] = result
    summary = got.get("summary")
    summary = summary if isinstance(summary, dict) else {}
    return Dashboard(
        csn=principal.csn,
        product_cards=summary.get("product_cards"),
        alerts=summary.get("alerts"),
        upcoming=Upcoming(
            quotes=got.get("quotes"), invoices=got.get("invoices"), payments=got.get("payments")
        ),
        spending=got.get("spending"),
        partial=bool(unavailable),
        unavailable=sorted(unavailable),
        not_shown=sorted(
            s.section
            for s in sources(settings.dashboard_list_limit)
            if not allowed(s.action, principal.roles)
        ),
    )


def dashboard_router() -> APIRouter:
    router = APIRouter(tags=["dashboard"])

    @router.get(
        "/v1/dashboard",
        response_model=Dashboard,
        summary="Summary dashboard in one call (R-SUM-1..4)",
        operation_id="get_v1_dashboard",
    )
    async def dashboard(request: Request, principal: DashboardReader) -> Dashboard:
        return await gather(request, principal)

    return router
