"""A partner's quotes in the browser (R-QUO-3): drafted for the customer's subscriptions where
it is the partner of record, sent to the customer's contacts, seen by the customer as a partner
quote, and cancelled by the partner (the customer cannot, R-QUO-6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import NORA, PABLO, assert_accessible, screenshot, sign_in


def test_a_partner_drafts_sends_and_cancels_a_quote_the_customer_sees(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, PABLO, "/quotes")
    page.get_by_role("link", name="New partner quote").click()
    ids = page.get_by_role("textbox", name="Subscription IDs")
    ids.fill("sub-acme-cad")  # another customer's, and not this partner's
    ids.press("Enter")
    page.get_by_role("button", name="Create the quote").click()
    expect(page.get_by_role("alert")).to_be_visible()
    ids.press("Backspace")  # the refused ID goes, as a keyboard user removes a tag
    ids.fill("sub-bh-cad-partner")
    ids.press("Enter")
    recipients = page.get_by_role("textbox", name="Recipients")
    recipients.fill("nora@blueharbor.example")
    recipients.press("Enter")
    assert_accessible(page)
    page.get_by_role("button", name="Create the quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Draft")
    expect(page.get_by_test_id("quote-lines")).to_contain_text("sub-bh-cad-partner")
    expect(page.get_by_test_id("recipients")).to_have_text("nora@blueharbor.example")
    page.get_by_role("button", name="Send the quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Sent")
    screenshot(page, "partner-quote", artifacts)
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Quote ")

    customer = new_page()
    sign_in(customer, NORA, "/quotes?origin=partner")
    row = customer.locator("tr", has_text=number)
    expect(row).to_contain_text("Sent")
    row.get_by_role("link").first.click()
    expect(customer.get_by_role("button", name="Cancel the quote")).to_have_count(0)

    page.get_by_role("button", name="Cancel the quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Cancelled")
    customer.reload()
    expect(customer.get_by_test_id("quote-status")).to_have_text("Cancelled")
