"""The summary screen in a real browser (seed 000, R-SUM-1..4), in English and in French."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import WANDA, WYNN, assert_accessible, screenshot, sign_in


def test_sign_in_page_lists_the_demo_users(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_role("button", name="Sign in as Wes Buyer")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Walt Buyer-Manager"))).to_contain_text(
        "Contract manager"
    )
    screenshot(page, "sign-in", artifacts)
    assert_accessible(page)


def test_summary_shows_product_cards_and_the_declined_card_alert(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WANDA)
    expect(page.get_by_test_id("product-card").first).to_be_visible()
    expect(page.get_by_test_id("product-cards")).to_contain_text("CAD Pro")
    alert = page.get_by_test_id("alert-payment_errors")
    expect(alert).to_contain_text("The card was declined")
    expect(alert).to_contain_text("sub-ow-declined")
    expect(page.get_by_test_id("unpaid-invoices")).to_contain_text("See invoices")
    expect(page.get_by_test_id("upcoming-chart").locator("figure").first).to_be_visible()
    expect(page.get_by_test_id("spending").locator("figure").first).to_be_visible()
    screenshot(page, "summary", artifacts)
    assert_accessible(page)
    alert.get_by_role("link", name="Viewer Plus (sub-ow-declined)").click()
    expect(page.get_by_role("heading", name="Viewer Plus · sub-ow-declined")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("The card was declined")
    page.go_back()
    expect(page.get_by_test_id("alert-payment_errors")).to_be_visible()


def test_summary_in_french_formats_money_and_dates_the_french_way(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page(locale="fr-FR")
    page.goto("/sign-in?lang=fr")
    page.get_by_role("button", name="Se connecter en tant que Wanda Admin").click()
    expect(page.get_by_role("heading", name="Synthèse")).to_be_visible()
    expect(page.get_by_test_id("alert-payment_errors")).to_contain_text("La carte a été refusée")
    expect(page.get_by_test_id("product-cards")).to_contain_text("postes")
    expect(page.get_by_role("navigation")).to_contain_text("Factures et avoirs")
    # Money per the French locale: "428,40 €" (comma decimals, euro sign after).
    expect(page.get_by_test_id("upcoming-chart")).to_contain_text(re.compile(r"\d,\d\d\s€"))
    screenshot(page, "summary-fr", artifacts)
    assert_accessible(page)
    page.get_by_role("link", name="Abonnements et contrats").click()
    expect(page.get_by_role("columnheader", name="Date de renouvellement")).to_be_visible()


def test_a_plain_user_sees_their_products_and_no_billing_data(new_page: Any) -> None:
    page = new_page()
    sign_in(page, WYNN)
    expect(page.get_by_test_id("product-card")).to_have_count(1)
    expect(page.get_by_test_id("product-cards")).to_contain_text("CAD Pro")
    nav = page.get_by_role("navigation")
    expect(nav).to_contain_text("Subscriptions and contracts")
    for hidden in ("Invoices and credit notes", "Payment methods", "Order history", "Renewals"):
        expect(nav).not_to_contain_text(hidden)
    expect(page.get_by_test_id("spending")).to_have_count(0)
    expect(page.get_by_test_id("upcoming-chart")).to_have_count(0)
