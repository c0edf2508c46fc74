from services.gateway.policy import Action as A
from services.gateway.routes.base import Route

INV = "invoicing"
ROUTES: list[Route] = [
    Route("GET", "/v1/invoices", INV, A.INVOICES_READ, "List invoices (R-INV-1)"),
    Route("GET", "/v1/invoices/{invoice_id}", INV, A.INVOICES_READ, "Invoice detail (R-INV-1)"),
    Route(
        "GET",
        "/v1/invoices/{invoice_id}/pdf",
        INV,
        A.INVOICES_READ,
        "Tax invoice as PDF (R-INV-1, R-INV-5)",
    ),
    Route(
        "POST",
        "/v1/invoices/{invoice_id}/payments",
        INV,
        A.INVOICES_PAY,
        "Pay an open invoice with a saved method (R-INV-2)",
        idempotent=True,
        request_example={"payment_method_id": "pm-acme-visa", "amount": 10000},
    ),
    # Corrections are the billing agent's: the same role as issuing credit notes (R-INV-1).
    Route(
        "POST",
        "/v1/invoices/{invoice_id}/cancellation",
        INV,
        A.CREDIT_NOTES_ISSUE,
        "Cancel an open, unpaid invoice (R-INV-1)",
        request_example={"reason": "Ordered twice"},
    ),
    Route("GET", "/v1/credit-notes", INV, A.CREDIT_NOTES_READ, "List credit notes (R-INV-3)"),
    Route(
        "GET",
        "/v1/credit-notes/{credit_note_id}",
        INV,
        A.CREDIT_NOTES_READ,
        "Credit note detail (R-INV-3)",
    ),
    Route(
        "GET",
        "/v1/credit-notes/{credit_note_id}/pdf",
        INV,
        A.CREDIT_NOTES_READ,
        "Credit note as PDF (R-INV-3)",
    ),
    Route(
        "POST",
        "/v1/credit-notes",
        INV,
        A.CREDIT_NOTES_ISSUE,
        "Issue a credit note (R-INV-3)",
        idempotent=True,
        request_example={"reason": "Service outage in March", "amount": 11900, "currency": "EUR"},
    ),
    Route(
        "POST",
        "/v1/credit-notes/{credit_note_id}/applications",
        INV,
        A.CREDIT_NOTES_APPLY,
        "Apply credit to open invoices (R-INV-3)",
        idempotent=True,
        request_example={"allocations": [{"invoice_id": "an-open-invoice-id", "amount": 10000}]},
    ),
    Route("GET", "/v1/orders", INV, A.ORDERS_READ, "Order history, newest first (R-INV-4)"),
    Route("GET", "/v1/orders/{order_id}", INV, A.ORDERS_READ, "Order detail (R-INV-4)"),
    Route(
        "GET",
        "/v1/orders/{order_id}/confirmation.pdf",
        INV,
        A.ORDERS_READ,
        "Order confirmation as PDF (R-INV-4)",
    ),
    Route("GET", "/v1/customer", INV, A.CUSTOMER_READ, "Customer billing details (R-CUST-1)"),
    Route("PUT", "/v1/customer", INV, A.CUSTOMER_UPDATE, "Change billing details (R-CUST-1)"),
    Route(
        "GET",
        "/v1/spending-summary",
        INV,
        A.SPENDING_READ,
        "Last five months and this one: due, payment errors, made (R-SUM-4)",
    ),
]
