"""Who may do what (R-ROLE-1..4): the one table the gateway enforces on every route.

Every route names one action; a principal needs at least one of the action's roles, or it
gets 403. Objects are scoped to the caller's account by the owning service (404 otherwise).
A plain `user` sees only what is assigned to them and no billing data (R-ROLE-1).
"""

from __future__ import annotations

from enum import StrEnum

from services.gateway.ratelimit import limited_caller
from shared.caller import PrincipalCheck, principal_with
from shared.principal import Role

ADMIN, MANAGER, BUYER, USER = (
    Role.PRIMARY_ADMIN,
    Role.CONTRACT_MANAGER,
    Role.BUYER,
    Role.USER,
)
PARTNER, AGENT = Role.PARTNER, Role.BILLING_AGENT


class Action(StrEnum):
    SUBSCRIPTIONS_READ = "subscriptions.read"
    SUBSCRIPTIONS_EXPORT = "subscriptions.export"
    AUTO_RENEW_CHANGE = "subscriptions.auto_renew"
    RENEW = "subscriptions.renew"
    TERM_CHANGE = "subscriptions.change_term"
    SEATS_CHANGE = "subscriptions.seats"
    LINK_PAYMENT_METHOD = "subscriptions.link_payment_method"
    QUOTES_READ = "quotes.read"
    QUOTES_CREATE = "quotes.create"
    QUOTES_ACCEPT = "quotes.accept"
    PARTNER_QUOTES = "quotes.partner"
    INVOICES_READ = "invoices.read"
    INVOICES_PAY = "invoices.pay"
    CREDIT_NOTES_READ = "credit_notes.read"
    CREDIT_NOTES_APPLY = "credit_notes.apply"
    CREDIT_NOTES_ISSUE = "credit_notes.issue"
    ORDERS_READ = "orders.read"
    CUSTOMER_READ = "customer.read"
    CUSTOMER_UPDATE = "customer.update"
    SPENDING_READ = "spending.read"
    PAYMENT_METHODS_READ = "payment_methods.read"
    PAYMENT_METHODS_MANAGE = "payment_methods.manage"
    UPCOMING_PAYMENTS_READ = "payments.upcoming"
    CHARGES_READ = "payments.charges"
    DASHBOARD_READ = "dashboard.read"


_BILLING = frozenset({ADMIN, MANAGER, BUYER})
_EVERYONE = frozenset({ADMIN, MANAGER, BUYER, USER})

POLICY: dict[Action, frozenset[Role]] = {
    Action.SUBSCRIPTIONS_READ: _EVERYONE,  # users: only their assignments (service scopes)
    Action.SUBSCRIPTIONS_EXPORT: _EVERYONE,  # R-SUB-3 (users: their assignments)
    Action.AUTO_RENEW_CHANGE: _BILLING,  # R-SUB-4
    Action.RENEW: _BILLING,  # R-ROLE-2
    Action.TERM_CHANGE: _BILLING,  # R-SUB-8
    Action.SEATS_CHANGE: frozenset({MANAGER}),  # R-ROLE-3
    Action.LINK_PAYMENT_METHOD: _BILLING,  # R-PAY-1
    Action.QUOTES_READ: _BILLING | {PARTNER},  # R-QUO-1
    Action.QUOTES_CREATE: _BILLING,  # R-ROLE-4: buyers quote one subscription
    Action.QUOTES_ACCEPT: _BILLING,  # R-QUO-2
    Action.PARTNER_QUOTES: frozenset({PARTNER}),  # R-QUO-3
    Action.INVOICES_READ: _BILLING,  # R-INV-1; no billing data for users (R-ROLE-1)
    Action.INVOICES_PAY: _BILLING,  # R-INV-2
    Action.CREDIT_NOTES_READ: _BILLING | {AGENT},  # R-INV-3
    Action.CREDIT_NOTES_APPLY: _BILLING,  # R-INV-3
    Action.CREDIT_NOTES_ISSUE: frozenset({AGENT}),  # vendor staff only
    Action.ORDERS_READ: _BILLING,  # R-INV-4
    Action.CUSTOMER_READ: _BILLING | {AGENT},  # R-CUST-1
    Action.CUSTOMER_UPDATE: frozenset({ADMIN}),  # R-CUST-1
    Action.SPENDING_READ: _BILLING,  # R-SUM-4
    Action.PAYMENT_METHODS_READ: _BILLING,  # R-PAY-1
    Action.PAYMENT_METHODS_MANAGE: _BILLING,  # R-PAY-1
    Action.UPCOMING_PAYMENTS_READ: _BILLING,  # R-PAY-2, R-PAY-3
    Action.CHARGES_READ: _BILLING | {AGENT},  # R-PAY-4
    Action.DASHBOARD_READ: _EVERYONE,  # R-SUM-1..4; users: their product cards only
}


def allowed(action: Action, roles: frozenset[Role]) -> bool:
    return bool(POLICY[action] & roles)


def refusal(action: Action) -> str:
    return f"Your role does not allow {action.value}; ask your primary admin."


def permitted(action: Action) -> PrincipalCheck:
    """The dependency a route of `action` takes: the authenticated caller within its rate, or
    403 `forbidden` unless one of its roles may do the action (shared/caller.py)."""
    return principal_with(POLICY[action], refusal(action), source=limited_caller)
