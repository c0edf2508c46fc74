"""The one role table (R-ROLE-1..4) and its published form."""

from __future__ import annotations

from services.gateway.policy import POLICY, Action, allowed
from services.gateway.roles_doc import DOC, render
from services.gateway.routes import ROUTES
from shared.principal import BILLING_ROLES, Role


def test_roles_doc_is_generated_from_the_policy_table() -> None:
    assert DOC.read_text() == render(), (
        "docs/roles.md is stale: run `uv run python -m services.gateway.roles_doc`"
    )


def test_every_action_and_every_route_has_an_entry_in_the_table() -> None:
    assert set(POLICY) == set(Action)
    assert all(route.action in POLICY for route in ROUTES)


def test_only_contract_managers_change_seats() -> None:
    """R-ROLE-3."""
    assert POLICY[Action.SEATS_CHANGE] == frozenset({Role.CONTRACT_MANAGER})


def test_contract_manager_buyer_and_primary_admin_renew() -> None:
    """R-ROLE-2."""
    assert POLICY[Action.RENEW] == BILLING_ROLES


def test_buyers_create_self_service_quotes() -> None:
    """R-ROLE-4."""
    assert allowed(Action.QUOTES_CREATE, frozenset({Role.BUYER}))


def test_a_plain_user_sees_no_billing_data() -> None:
    """R-ROLE-1: billing actions are closed to `user`; what they see is scoped by the service."""
    billing = {
        a
        for a in Action
        if a.value.split(".")[0]
        in {
            "invoices",
            "credit_notes",
            "orders",
            "spending",
            "payment_methods",
            "payments",
            "customer",
            "quotes",
        }
    }
    assert billing and not any(allowed(a, frozenset({Role.USER})) for a in billing)


def test_an_empty_role_set_may_do_nothing() -> None:
    assert not any(allowed(a, frozenset()) for a in Action)
