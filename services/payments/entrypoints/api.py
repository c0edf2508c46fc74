"""HTTP routes of the payments service (called by the gateway only): one module per resource,
each thin: it validates, builds a command or a query and calls the service layer."""

from __future__ import annotations

from services.payments.entrypoints import charges, payment_methods, refunds, upcoming

routers = [payment_methods.router, charges.router, refunds.router, upcoming.router]
