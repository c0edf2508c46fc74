"""HTTP routes of the invoicing service (called by the gateway only)."""

from __future__ import annotations

from services.invoicing.entrypoints import credit_notes, customer, invoices, orders, spending

routers = [
    invoices.router,
    credit_notes.router,
    orders.router,
    customer.router,
    spending.router,
]
