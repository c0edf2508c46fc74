from services.gateway.policy import Action as A
from services.gateway.routes.base import Route

Q = "quotes"
# Examples are bodies a user of the demo Acme account could send (deploy/demo/accounts.json).
NEW_QUOTE = {
    "subscription_ids": ["sub-acme-cad", "sub-acme-pdm"],
    "recipients": ["bea@acme.example"],
}
CHANGE = {  # fewer seats and a longer term: allowed (adding seats is not, R-QUO-6)
    "lines": [{"subscription_id": "sub-acme-cad", "seats": 8, "term": "three_year"}],
    "recipients": ["bea@acme.example", "carl@acme.example"],
}
ROUTES: list[Route] = [
    Route("GET", "/v1/quotes", Q, A.QUOTES_READ, "Active quotes, by origin (R-QUO-1)"),
    Route(
        "POST",
        "/v1/quotes/renewal-groups",
        Q,
        A.QUOTES_CREATE,
        "Eligible subscriptions grouped by CSN, currency and purchase method (R-QUO-4)",
    ),
    Route(
        "POST",
        "/v1/quotes",
        Q,
        A.QUOTES_CREATE,
        "Draft a self-service renewal quote (R-QUO-4, R-ROLE-4)",
        idempotent=True,
        request_example=NEW_QUOTE,
    ),
    Route("GET", "/v1/quotes/{quote_id}", Q, A.QUOTES_READ, "Quote detail (R-QUO-1)"),
    Route(
        "PATCH",
        "/v1/quotes/{quote_id}",
        Q,
        A.QUOTES_CREATE,
        "Adjust a draft quote",
        request_example=CHANGE,
    ),
    Route("POST", "/v1/quotes/{quote_id}/send", Q, A.QUOTES_CREATE, "Send a quote (quote-sent)"),
    Route(
        "POST",
        "/v1/quotes/{quote_id}/accept",
        Q,
        A.QUOTES_ACCEPT,
        "Turn a quote into a purchase (R-QUO-2)",
        idempotent=True,
    ),
    Route(
        "POST",
        "/v1/quotes/{quote_id}/cancel",
        Q,
        A.QUOTES_ACCEPT,
        "Refused: only the partner cancels a quote (R-QUO-6)",
    ),
    Route(
        "POST",
        "/v1/partner/quotes",
        Q,
        A.PARTNER_QUOTES,
        "Partner: draft a quote for a customer (R-QUO-3)",
        idempotent=True,
        request_example={**NEW_QUOTE, "validity_days": 30},
    ),
    Route(
        "PATCH",
        "/v1/partner/quotes/{quote_id}",
        Q,
        A.PARTNER_QUOTES,
        "Partner: adjust a draft",
        request_example=CHANGE,
    ),
    Route(
        "POST",
        "/v1/partner/quotes/{quote_id}/send",
        Q,
        A.PARTNER_QUOTES,
        "Partner: send a quote (R-QUO-3)",
    ),
    Route(
        "POST",
        "/v1/partner/quotes/{quote_id}/cancel",
        Q,
        A.PARTNER_QUOTES,
        "Partner: cancel a quote (R-QUO-6)",
    ),
]
