from services.gateway.policy import Action as A
from services.gateway.routes.base import Route

P = "payments"
METHODS, METHOD = "/v1/payment-methods", "/v1/payment-methods/{method_id}"
ROUTES: list[Route] = [
    Route("GET", METHODS, P, A.PAYMENT_METHODS_READ, "Saved payment methods (R-PAY-1)"),
    Route(
        "POST",
        METHODS,
        P,
        A.PAYMENT_METHODS_MANAGE,
        "Save a payment method from a provider token; card data is refused (R-PAY-1)",
        idempotent=True,
        request_example={
            "kind": "card",
            "provider_token": "tok_visa",
            "holder_name": "Acme Robotics GmbH",
            "make_default": False,
        },
    ),
    Route("GET", METHOD, P, A.PAYMENT_METHODS_READ, "One payment method (R-PAY-1)"),
    Route(
        "PATCH",
        METHOD,
        P,
        A.PAYMENT_METHODS_MANAGE,
        "Modify holder name, expiry or default (R-PAY-1)",
        request_example={"holder_name": "Acme Robotics GmbH", "exp_month": 12, "exp_year": 2031},
    ),
    Route(
        "POST",
        f"{METHOD}/default",
        P,
        A.PAYMENT_METHODS_MANAGE,
        "Make it the default payment method (R-PAY-1)",
    ),
    Route(
        "DELETE",
        METHOD,
        P,
        A.PAYMENT_METHODS_MANAGE,
        "Delete a payment method; refused while it pays for an auto-renewal (R-PAY-1)",
    ),
    Route("GET", "/v1/charges", P, A.CHARGES_READ, "Charges, by invoice (R-PAY-4)"),
    Route("GET", "/v1/refunds", P, A.CHARGES_READ, "Refunds of credit notes, by invoice"),
    Route(
        "GET",
        "/v1/upcoming-payments",
        P,
        A.UPCOMING_PAYMENTS_READ,
        "Scheduled and unscheduled payments of the next 30 or 90 days (R-PAY-2)",
    ),
    Route(
        "GET",
        "/v1/upcoming-payments/chart",
        P,
        A.UPCOMING_PAYMENTS_READ,
        "Amounts due by status, per day or week, for a chart (R-PAY-3)",
    ),
]
