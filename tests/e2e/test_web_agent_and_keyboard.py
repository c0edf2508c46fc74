"""The vendor's billing agent issues credit notes from the browser (credit_notes.issue, vendor
staff only), and the customer sees them; the subscriptions table is usable from the keyboard
alone (issue 12: "keyboard navigation")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import AGNES, ALICE, WANDA, assert_accessible, screenshot, sign_in


def test_a_billing_agent_issues_credit_on_the_account_and_the_customer_sees_it(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, AGNES, "/invoices")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Invoices")).to_be_visible()
    expect(nav.get_by_role("link", name="Subscriptions and contracts")).to_have_count(0)
    expect(page.get_by_role("tab", name="Invoices")).to_have_count(0)  # not an agent's data
    form = page.get_by_test_id("issue-credit-note")
    form.get_by_role("textbox", name="Invoice ID (optional)").fill("inv-that-does-not-exist")
    form.get_by_role("textbox", name="Reason").fill("Goodwill for the outage")
    form.get_by_role("textbox", name="Amount including tax").fill("50")
    form.get_by_role("button", name="Issue the credit note").click()
    expect(form.get_by_role("alert")).to_contain_text("not_found")  # the server's word, kept

    form.get_by_role("textbox", name="Invoice ID (optional)").fill("")
    form.get_by_role("textbox", name="Amount including tax").fill("50")
    form.get_by_role("button", name="Issue the credit note").click()
    row = page.get_by_test_id("credit-notes-table").locator(
        "tr", has_text="Goodwill for the outage"
    )
    expect(row).to_contain_text("€50.00")
    expect(form.get_by_role("alert")).to_have_count(0)
    screenshot(page, "credit-notes-agent", artifacts)
    assert_accessible(page)

    customer = new_page()
    sign_in(customer, ALICE, "/invoices?tab=credit-notes")
    expect(customer.get_by_test_id("issue-credit-note")).to_have_count(0)  # staff only
    seen = customer.get_by_test_id("credit-notes-table").locator(
        "tr", has_text="Goodwill for the outage"
    )
    expect(seen).to_contain_text("€50.00")


def focus_on(page: Any, name: str, presses: int = 80) -> None:
    """Press Tab until the focused element's accessible name is `name`, as a keyboard user."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e && (e.getAttribute('aria-label')"
            " || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent || '')"
            ".trim(); }"
        )
        if focused == name:
            return
    raise AssertionError(f"{name!r} never took the focus in {presses} Tab presses")


def test_the_subscriptions_table_works_from_the_keyboard_alone(new_page: Any) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions")
    expect(page.get_by_test_id("subscriptions-table")).to_be_visible()
    page.locator("body").click(position={"x": 1, "y": 1})  # start from the top, nothing focused
    focus_on(page, "Search")
    page.keyboard.type("sub-ow-quote")
    expect(page.get_by_test_id("total")).to_have_text(re.compile(r"^1 "))
    focus_on(page, "Select sub-ow-quote")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("bulk-bar")).to_contain_text("1 selected")
    focus_on(page, "sub-ow-quote")  # the row's link
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/subscriptions/sub-ow-quote$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("sub-ow-quote")
