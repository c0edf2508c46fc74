from services.gateway.policy import Action as A
from services.gateway.routes.base import Route

S = "subscriptions"
# Fixed paths come before the ones with a path parameter that would also match them.
ROUTES: list[Route] = [
    Route(
        "GET",
        "/v1/subscriptions",
        S,
        A.SUBSCRIPTIONS_READ,
        "List, filter and search subscriptions (R-SUB-2)",
    ),
    Route(
        "GET",
        "/v1/subscriptions/summary",
        S,
        A.SUBSCRIPTIONS_READ,
        "Product cards and alerts (R-SUM-1, R-SUM-2)",
    ),
    Route(
        "GET",
        "/v1/subscriptions/export.csv",
        S,
        A.SUBSCRIPTIONS_EXPORT,
        "CSV of a filtered list or a selection (R-SUB-3)",
    ),
    Route(
        "POST",
        "/v1/subscriptions/auto-renew",
        S,
        A.AUTO_RENEW_CHANGE,
        "Auto-renew on/off for up to 100 subscriptions (R-SUB-4)",
    ),
    Route(
        "GET",
        "/v1/subscriptions/{subscription_id}",
        S,
        A.SUBSCRIPTIONS_READ,
        "Subscription detail (R-SUB-2)",
    ),
    Route(
        "GET",
        "/v1/subscriptions/{subscription_id}/export.csv",
        S,
        A.SUBSCRIPTIONS_EXPORT,
        "CSV of one subscription (R-SUB-3)",
    ),
    Route(
        "PUT",
        "/v1/subscriptions/{subscription_id}/auto-renew",
        S,
        A.AUTO_RENEW_CHANGE,
        "Auto-renew on/off (R-SUB-4, R-SUB-5, R-SUB-9)",
    ),
    Route(
        "PUT",
        "/v1/subscriptions/{subscription_id}/term",
        S,
        A.TERM_CHANGE,
        "Change the term from the next renewal (R-SUB-8)",
    ),
    Route(
        "POST",
        "/v1/subscriptions/{subscription_id}/seats/preview",
        S,
        A.SEATS_CHANGE,
        "Review a seat change (R-SEAT-1..3)",
    ),
    Route(
        "POST",
        "/v1/subscriptions/{subscription_id}/seats",
        S,
        A.SEATS_CHANGE,
        "Add or reduce seats (R-SEAT-1..3, R-ROLE-3)",
        idempotent=True,
    ),
    Route(
        "POST",
        "/v1/payment-methods/{method_id}/subscriptions",
        S,
        A.LINK_PAYMENT_METHOD,
        "Pay several subscriptions with one method (R-PAY-1)",
    ),
    Route("POST", "/v1/renewals/groups", S, A.RENEW, "Renewable groups of a selection (R-SUB-11)"),
    Route(
        "POST",
        "/v1/renewal-carts",
        S,
        A.RENEW,
        "Put a manual renewal in a cart (R-SUB-10, R-ROLE-2)",
        idempotent=True,
    ),
    Route("GET", "/v1/renewal-carts/{cart_id}", S, A.RENEW, "One renewal cart (R-SUB-10)"),
    Route(
        "POST",
        "/v1/renewal-carts/{cart_id}/checkout",
        S,
        A.RENEW,
        "Complete a manual renewal: one order (R-SUB-10..12)",
        idempotent=True,
    ),
]
