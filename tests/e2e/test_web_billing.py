"""Invoices and credit notes, upcoming payments, order history, payment methods and customer
details in a real browser (seeds 002-004, R-INV-*, R-PAY-*, R-CUST-1)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import WANDA, WES, assert_accessible, screenshot, sign_in


def test_the_declined_renewal_invoice_is_paid_with_another_saved_card(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WANDA, "/invoices?status=open")
    # sub-ow-unpaid's renewal, declined (sub-ow-declined's stays unpaid for the summary's alert).
    row = page.get_by_test_id("invoices-table").locator(
        "tr", has_text="Render Cloud renewal, 1 seat(s)"
    )
    expect(row).to_contain_text("€583.10")
    screenshot(page, "invoices", artifacts)
    assert_accessible(page)
    number = row.get_by_role("link").inner_text()
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(page.get_by_role("alert").first).to_contain_text("The card was declined")
    expect(page.get_by_test_id("amount-due")).to_contain_text("€583.10")
    page.get_by_role("textbox", name="Payment method").click()
    page.get_by_role("option", name="Visa •••• 4242").click()
    page.get_by_label("Amount (EUR, optional)").fill("100")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("amount-due")).to_contain_text("€483.10", timeout=30_000)
    page.get_by_role("button", name="Pay", exact=True).click()  # the rest
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid", timeout=30_000)
    expect(page.get_by_test_id("amount-due")).to_contain_text("€0.00")
    screenshot(page, "invoice-detail", artifacts)
    assert_accessible(page)
    page.get_by_role("tab", name="Credit notes").or_(
        page.get_by_role("link", name="All invoices")
    ).first.click()
    page.goto("/invoices?tab=credit-notes")
    expect(page.get_by_test_id("empty")).to_contain_text("No credit notes")
    assert_accessible(page)


def test_upcoming_payments_for_30_and_90_days(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    sign_in(page, WANDA, "/upcoming-payments")
    expect(page.get_by_test_id("upcoming-chart")).to_be_visible()
    page.get_by_text("90 days").click()
    expect(page).to_have_url(re.compile(r"days=90"))
    expect(page.get_by_test_id("upcoming-chart").locator("figure").first).to_be_visible()
    table = page.get_by_test_id("upcoming-table")
    expect(table).to_contain_text("Renewal of Render Cloud")
    page.get_by_role("radiogroup", name="Schedule").get_by_text("Unscheduled").click()
    expect(page).to_have_url(re.compile(r"schedule=unscheduled"))
    expect(table.locator("tbody tr").first).to_contain_text("Unscheduled")
    expect(table).not_to_contain_text(re.compile(r"\bScheduled"))
    screenshot(page, "upcoming-payments", artifacts)
    assert_accessible(page)


def test_order_history_lists_orders_newest_first_with_their_documents(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WANDA, "/orders")
    table = page.get_by_test_id("orders-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    with page.expect_download() as download:
        table.locator("tbody tr").first.get_by_role("button", name="Confirmation").click()
    assert download.value.suggested_filename.endswith(".pdf")
    screenshot(page, "orders", artifacts)
    assert_accessible(page)


def test_payment_methods_add_default_link_and_the_in_use_refusal(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WANDA, "/payment-methods")
    table = page.get_by_test_id("methods-table")
    expect(table).to_contain_text("Visa •••• 4242")
    page.get_by_role("button", name="Add a payment method").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Test instrument (sandbox provider)").click()
    page.get_by_role("option", name="American Express •••• 8431").click()
    dialog.get_by_label("Holder").fill("Orbit Web Studio GmbH")
    dialog.get_by_role("button", name="Save the payment method").click()
    amex = table.locator("tr", has_text="8431")
    expect(amex).to_be_visible()
    amex.get_by_role("button", name="Make default").click()
    expect(amex).to_contain_text("Default")
    # The visa pays for auto-renew subscriptions: deleting it is refused, and says why.
    page.on("dialog", lambda d: d.accept())
    table.locator("tr", has_text="4242").get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("error")).to_contain_text("payment_method_in_use")
    expect(table).to_contain_text("Visa •••• 4242")
    # Link the amex to two subscriptions at once.
    amex.get_by_role("button", name="Link to subscriptions").click()
    dialog = page.get_by_role("dialog")
    picker = dialog.get_by_role("textbox", name="Subscriptions and contracts")
    picker.click()
    page.get_by_role("option", name="CAD Pro (sub-ow-cad)").click()
    page.get_by_role("option", name="Render Cloud (sub-ow-render)").click()
    picker.press("Escape")  # closes the options, not the dialog
    dialog.get_by_role("button", name="Link", exact=True).click()
    expect(dialog.get_by_test_id("bulk-summary")).to_contain_text("2 changed")
    page.keyboard.press("Escape")
    # A method paying for nothing is deleted.
    mastercard = table.locator("tr", has_text="4444")
    mastercard.get_by_role("button", name="Delete").click()
    expect(mastercard).to_have_count(0)
    screenshot(page, "payment-methods", artifacts)
    assert_accessible(page)
    page.goto("/subscriptions/sub-ow-cad")
    expect(page.get_by_test_id("payment-method")).to_have_text("Amex •••• 8431")


def test_customer_details_are_edited_by_the_admin_and_read_only_for_a_buyer(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WANDA, "/customer")
    expect(page.get_by_text("Changes apply to future documents")).to_be_visible()
    page.get_by_role("textbox", name=re.compile(r"^Address\s*\*?$")).fill("Torstrasse 2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Customer details saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("textbox", name=re.compile(r"^Address\s*\*?$"))).to_have_value(
        "Torstrasse 2"
    )
    screenshot(page, "customer", artifacts)
    assert_accessible(page)
    buyer = new_page()
    sign_in(buyer, WES, "/customer")
    expect(buyer.get_by_text("Only a primary admin can change these details.")).to_be_visible()
    expect(buyer.get_by_role("button", name="Save")).to_have_count(0)
