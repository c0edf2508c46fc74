"""The public route table: one module per owning service, each a list of `Route`s.
The gateway forwards each to its service after checking the route's action (policy.py)."""

from __future__ import annotations

from services.gateway.routes import invoicing, payments, quotes, subscriptions
from services.gateway.routes.base import Route

ROUTES: tuple[Route, ...] = (
    *subscriptions.ROUTES,
    *quotes.ROUTES,
    *invoicing.ROUTES,
    *payments.ROUTES,
)

__all__ = ["ROUTES", "Route"]
