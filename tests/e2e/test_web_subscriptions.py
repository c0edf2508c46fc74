"""Subscriptions and contracts in a real browser (seed 001, R-SUB-1..4, R-SEAT-*): the table
with its state in the URL, bulk auto-renew with per-row outcomes, and the detail's actions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.web_support import WANDA, WILL, assert_accessible, screenshot, sign_in


def row(page: Any, sub_id: str) -> Any:
    return page.locator(f'tr[data-id="{sub_id}"]')


def test_search_filters_and_sort_live_in_the_url_and_survive_reload_and_back(
    new_page: Any,
) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions")
    expect(page.get_by_test_id("total")).to_contain_text("10 subscriptions")
    page.get_by_label("Search").fill("Render")
    expect(page).to_have_url(re.compile(r"[?&]q=Render"))
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(row(page, "sub-ow-render")).to_be_visible()
    expect(row(page, "sub-ow-quote")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Search")).to_have_value("Render")
    expect(page.locator("tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Sort by Seats").click()
    expect(page).to_have_url(re.compile(r"sort=seats"))
    expect(page.locator("tbody tr").first).to_have_attribute("data-id", "sub-ow-unpaid")
    page.get_by_role("button", name="Sort by Seats").click()
    expect(page).to_have_url(re.compile(r"sort=-seats"))
    expect(page.locator("tbody tr").first).to_have_attribute("data-id", "sub-ow-render")
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=seats"))
    expect(page.locator("tbody tr").first).to_have_attribute("data-id", "sub-ow-unpaid")
    page.get_by_role("button", name="Clear filters").click()
    expect(page.locator("tbody tr")).to_have_count(10)
    # A row opens the detail; back returns to the same table.
    row(page, "sub-ow-pdm").get_by_role("cell").nth(2).click()
    expect(page.get_by_role("heading", name="Product Data Manager · sub-ow-pdm")).to_be_visible()
    page.go_back()
    expect(page.locator("tbody tr")).to_have_count(10)


def test_bulk_auto_renew_off_on_three_rows_changes_those_and_no_others(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions")
    chosen = ("sub-ow-cad", "sub-ow-render", "sub-ow-pdm")
    untouched = ("sub-ow-seats", "sub-ow-sim", "sub-ow-viewer")
    before = {s: row(page, s).inner_text() for s in untouched}
    for s in chosen:
        expect(row(page, s)).to_contain_text("Automatic")
        page.get_by_role("checkbox", name=f"Select {s}").check()
    expect(page.get_by_test_id("bulk-bar")).to_contain_text("3 selected")
    page.get_by_role("button", name="Turn auto-renew off").click()
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("3 changed")
    for s in chosen:
        expect(row(page, s)).to_contain_text("Manual")
        expect(row(page, s).get_by_test_id("outcome")).to_have_text("Changed")
    for s in untouched:
        expect(row(page, s).get_by_test_id("outcome")).to_have_count(0)
        assert row(page, s).inner_text() == before[s]
    screenshot(page, "subscriptions", artifacts)
    assert_accessible(page)


def test_bulk_auto_renew_on_shows_the_refusal_reason_on_the_refused_row(new_page: Any) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions")
    for s in ("sub-ow-sim", "sub-ow-viewer"):  # a card; a bank transfer (manual only, R-SUB-9)
        page.get_by_role("checkbox", name=f"Select {s}").check()
    page.get_by_role("button", name="Turn auto-renew on").click()
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("1 changed")
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("1 refused")
    expect(row(page, "sub-ow-sim")).to_contain_text("Automatic")
    expect(row(page, "sub-ow-viewer").get_by_test_id("outcome")).to_have_text("Refused")
    expect(row(page, "sub-ow-viewer").get_by_test_id("outcome-reason")).not_to_be_empty()
    expect(row(page, "sub-ow-viewer")).to_contain_text("Manual")


def test_contract_manager_adds_seats_after_seeing_the_pro_rata_amount(
    new_page: Any, artifacts: Path
) -> None:
    page = new_page()
    sign_in(page, WILL, "/subscriptions/sub-ow-seats")
    expect(page.get_by_test_id("seats")).to_have_text("5")
    page.get_by_label("New number of seats").fill("7")
    page.get_by_role("button", name="Preview").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("seats-preview")).to_have_text("From 5 to 7 seats, from today.")
    expect(dialog.get_by_test_id("prorated")).to_contain_text(re.compile(r"€[\d,]+\.\d\d"))
    screenshot(page, "subscription-seats-preview", artifacts)
    assert_accessible(page)
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("seats")).to_have_text("7")
    screenshot(page, "subscription-detail", artifacts)
    assert_accessible(page)


def test_term_change_and_a_refusal_in_the_servers_words(new_page: Any) -> None:
    page = new_page()
    sign_in(page, WANDA, "/subscriptions/sub-ow-pdm")
    page.get_by_role("textbox", name="Term at the next renewal").click()
    page.get_by_role("option", name="Monthly").click()
    page.get_by_role("button", name="Change term").click()
    # PDM is not sold monthly in EUR (catalog): the server refuses, the page says why.
    error = page.get_by_test_id("error")
    expect(error).to_contain_text("term_not_available")
    page.get_by_role("textbox", name="Term at the next renewal").click()
    page.get_by_role("option", name="3 years").click()
    page.get_by_role("button", name="Change term").click()
    expect(page.get_by_test_id("term-at-renewal")).to_contain_text("3 years from the next renewal")
