"""The summary screen in a real browser (seed 000, R-SUM-1..4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import WANDA, assert_accessible, screenshot, sign_in


def test_summary_shows_product_cards_and_the_declined_card_alert(new_page: Any, artifacts: Path) -> None:
    page = new_page()
    sign_in(page, WANDA)
    cards = page.get_by_test_id("product-card")
    expect(cards.first).to_be_visible()
    expect(page.get_by_test_id("product-cards")).to_contain_text("CAD Pro")
    expect(page.get_by_test_id("product-cards")).to_contain_text("11 seats")
    alert = page.get_by_test_id("alert-payment_errors")
    expect(alert).to_contain_text("The card was declined")
    expect(alert).to_contain_text("sub-ow-declined")
    expect(page.get_by_test_id("upcoming-chart").locator("figure").first).to_be_visible()
    expect(page.get_by_test_id("spending").locator("figure").first).to_be_visible()
    screenshot(page, "summary", artifacts)
    assert_accessible(page)
