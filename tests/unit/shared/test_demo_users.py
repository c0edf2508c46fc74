"""Every role the API serves can be tried with the demo data (issue 11)."""

from __future__ import annotations

from services.gateway.policy import POLICY
from shared.demo import demo_users, is_contact


def test_every_role_of_the_role_table_has_a_demo_user() -> None:
    roles_served = {role for roles in POLICY.values() for role in roles}
    roles_demoed = {role for user in demo_users().values() for role in user["roles"]}
    assert roles_served <= roles_demoed


def test_a_demo_partner_carries_its_partner_csn_and_is_no_contact_of_the_account() -> None:
    partners = [u for u in demo_users().values() if "partner" in u["roles"]]
    assert partners and all(u.get("partner_csn") for u in partners)
    agents = [u for u in demo_users().values() if "billing_agent" in u["roles"]]
    assert agents and not any(is_contact(u) for u in partners + agents)
    assert is_contact(demo_users()["alice@acme.example"])
