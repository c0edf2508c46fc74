"""Each demo role sees only the actions it may take (R-ROLE-1..4); a user of several roles
sees the union; a token the gateway refuses sends the user back to sign-in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.web_support import (
    WALT,
    WANDA,
    WES,
    WILL,
    WYNN,
    assert_accessible,
    screenshot,
    sign_in,
)

ACTIONS = ("Auto-renew", "Seats", "Term", "Payment method")


@pytest.mark.parametrize(
    ("user", "cards", "buttons"),
    [
        pytest.param(
            WANDA,
            {"Auto-renew", "Term", "Payment method"},
            {"Renew now", "Request a quote"},
            id="primary_admin",
        ),
        pytest.param(
            WILL,
            {"Auto-renew", "Seats", "Term", "Payment method"},
            {"Renew now", "Request a quote"},
            id="contract_manager",
        ),
        pytest.param(
            WES,
            {"Auto-renew", "Term", "Payment method"},
            {"Renew now", "Request a quote"},
            id="buyer",
        ),
        pytest.param(
            WALT,
            {"Auto-renew", "Seats", "Term", "Payment method"},
            {"Renew now", "Request a quote"},
            id="buyer+contract_manager",
        ),
        pytest.param(WYNN, set(), set(), id="user"),
    ],
)
def test_each_role_sees_only_the_actions_it_may_take(
    new_page: Any, user: tuple[str, str], cards: set[str], buttons: set[str]
) -> None:
    page = new_page()
    sign_in(page, user, "/subscriptions/sub-ow-cad")
    expect(page.get_by_role("heading", name="CAD Pro · sub-ow-cad")).to_be_visible()
    for title in ACTIONS:
        heading = page.get_by_role("heading", name=title, exact=True)
        expect(heading).to_have_count(1 if title in cards else 0)
    for name in ("Renew now", "Request a quote"):
        expect(page.get_by_role("button", name=name)).to_have_count(1 if name in buttons else 0)
    expect(page.get_by_role("button", name="Export CSV")).to_be_visible()


def test_a_refused_token_sends_the_user_back_to_sign_in(new_page: Any) -> None:
    page = new_page()
    sign_in(page, WES)
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    page.evaluate(
        """() => {
            const key = "billing-orders.session";
            const s = JSON.parse(sessionStorage.getItem(key));
            sessionStorage.setItem(key, JSON.stringify({...s, token: s.token + "tampered"}));
        }"""
    )
    page.goto("/invoices")
    expect(page).to_have_url(re.compile(r"/sign-in\?expired=1&next=%2Finvoices"))
    expect(page.get_by_role("status")).to_contain_text("Your session has ended")
    page.get_by_role("button", name="Sign in as Wes Buyer").click()
    expect(page).to_have_url(re.compile(r"/invoices$"))


def test_unknown_app_address_shows_not_found(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    sign_in(page, WES, "/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "not-found", artifacts)
