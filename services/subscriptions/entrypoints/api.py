"""HTTP routes of the subscriptions service (called by the gateway only), one module per
resource. Thin: parse, build a command or a query, shape the answer; rules live in the
domain, scoping by account in the repository. Order matters: it is the OpenAPI order."""

from __future__ import annotations

from services.subscriptions.entrypoints import (
    auto_renew,
    carts,
    payment_methods,
    renewals,
    seats,
    subscriptions,
    terms,
)

routers = [
    subscriptions.router,
    auto_renew.router,
    payment_methods.router,
    terms.router,
    seats.router,
    renewals.router,
    carts.router,
]
