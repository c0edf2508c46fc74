"""Renewals (seed 002, R-SUB-9..12) and quotes (seed 003, R-QUO-*) in a real browser: a cart
checked out ends as a paid invoice; a quote is created, its quantities checked, sent and accepted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import WANDA, assert_accessible, screenshot, sign_in


def test_renewal_cart_checkout_ends_with_a_paid_invoice(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions")
    for s in ("sub-ow-viewer", "sub-ow-trial"):
        page.get_by_role("checkbox", name=f"Select {s}").check()
    page.get_by_test_id("bulk-bar").get_by_role("button", name="Renew", exact=True).click()
    expect(page).to_have_url(re.compile(r"/renewals\?ids="))
    expect(page.get_by_test_id("renewal-group")).to_contain_text("sub-ow-viewer")
    expect(page.get_by_test_id("ineligible")).to_contain_text("sub-ow-trial")
    assert_accessible(page)
    page.get_by_role("button", name="Renew this group").click()
    cart = page.get_by_test_id("cart")
    expect(cart).to_contain_text("Viewer Plus")
    expect(cart).to_contain_text("19%")  # German VAT, from the billing address
    # 10 seats x €120.00 + 19% VAT (Berlin) = €1,428.00
    expect(cart.get_by_test_id("cart-total")).to_have_text("€1,428.00")
    cart.get_by_role("textbox", name="Payment method").click()
    page.get_by_role("option", name="Visa •••• 4242").click()
    screenshot(page, "renewals", artifacts)
    cart.get_by_role("button", name="Place the order").click()
    expect(page.get_by_test_id("checkout-result")).to_contain_text("Order placed")
    page.get_by_role("link", name="See invoices").click()
    invoices = page.get_by_test_id("invoices-table")
    paid = invoices.locator("tr", has_text="Viewer Plus").filter(has_text="Paid")
    for _ in range(20):  # the charge settles through the payments service and the broker
        if paid.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(paid.first).to_contain_text("€1,428.00")


def test_a_quote_is_created_sent_and_accepted(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions/sub-ow-quote")
    page.get_by_role("button", name="Request a quote").click()
    expect(page.get_by_test_id("quote-group")).to_contain_text("sub-ow-quote")
    page.get_by_role("button", name="Create the quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Draft")
    expect(page.get_by_test_id("quote-lines")).to_contain_text("Render Cloud")
    expect(page.get_by_test_id("quote-total")).to_contain_text("€")
    # Term and quantities (R-QUO-4): more seats are refused (R-QUO-6), fewer re-price the quote.
    total_for_two = page.get_by_test_id("quote-total").inner_text()
    editor = page.get_by_test_id("quote-lines-editor")
    seats = editor.get_by_role("textbox", name="Seats of sub-ow-quote")
    seats.fill("3")
    editor.get_by_role("button", name="Save the lines").click()
    expect(editor.get_by_role("alert")).to_contain_text("cannot add seats")
    expect(editor.get_by_role("alert")).to_contain_text("seat_addition_not_allowed")
    seats.fill("1")
    editor.get_by_role("button", name="Save the lines").click()
    line = page.get_by_test_id("quote-lines").locator("tbody tr", has_text="Render Cloud")
    expect(line.locator("td").nth(3)).to_have_text("1")
    expect(page.get_by_test_id("quote-total")).not_to_have_text(total_for_two)
    expect(editor.get_by_role("alert")).to_have_count(0)
    seats.fill("2")  # back to the subscription's seats: the other journeys count on them
    editor.get_by_role("button", name="Save the lines").click()
    expect(page.get_by_test_id("quote-total")).to_have_text(total_for_two)
    recipients = page.get_by_role("textbox", name="Recipients")
    recipients.fill("wanda@orbitweb.example")
    recipients.press("Enter")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("recipients")).to_have_text("wanda@orbitweb.example")
    page.get_by_role("button", name="Send the quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Sent")
    screenshot(page, "quote-detail", artifacts)
    assert_accessible(page)
    page.get_by_role("textbox", name="Payment method").click()
    page.get_by_role("option", name="Visa •••• 4242").click()
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Accepted")
    expect(page.get_by_test_id("quote-accepted")).to_be_visible()
    page.get_by_role("link", name="Quotes", exact=True).click()
    expect(page.get_by_role("heading", name="Quotes")).to_be_visible()
    screenshot(page, "quotes", artifacts)
    assert_accessible(page)
