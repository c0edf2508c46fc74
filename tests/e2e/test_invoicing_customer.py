"""Customer details (R-CUST-1) and tax from the billing address (R-INV-5): changes apply to
documents issued from then on, never to earlier ones."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import ALICE
from tests.e2e.invoicing_support import (
    BERLIN,
    NEW_YORK,
    Account,
    events_for,
    get_ok,
    new_account,
    open_invoice,
)
from tests.kafka_tools import eventually


async def put_customer(
    gateway: httpx.AsyncClient, account: Account, address: dict, name: str = "Moved Inc."
) -> httpx.Response:
    return await gateway.put(
        "/v1/customer",
        json={"company_name": name, "billing_address": address},
        headers=account.admin,
    )


async def test_the_account_billing_details_are_shown_with_the_tax_they_imply_r_cust_1(
    gateway: httpx.AsyncClient,
) -> None:
    details = await get_ok(gateway, "/v1/customer", ALICE)
    assert details["company_name"] == "Acme Robotics GmbH"
    assert details["billing_address"]["city"] == "Berlin" and details["net_terms_days"] == 30
    assert details["tax"] == {"name": "Umsatzsteuer 19%", "rate": "0.19"}


async def test_a_new_address_applies_to_future_invoices_only_r_cust_1(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-CUST-1, R-INV-5: the invoice issued before keeps its Berlin address and German VAT;
    the next one is billed to New York with New York City sales tax; customer-changed
    snapshots follow every edit."""
    account = await new_account(gateway, BERLIN, name="Before GmbH")
    before = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)], "USD")
    resp = await put_customer(gateway, account, NEW_YORK, name="After Inc.")
    assert resp.status_code == 200, resp.text
    assert resp.json()["tax"]["name"] == "New York City sales tax 8.875%"
    after = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)], "USD")

    old = await get_ok(gateway, f"/v1/invoices/{before['id']}", account.admin)
    assert "Berlin" in old["bill_to"] and "Before GmbH" in old["bill_to"]
    assert (old["tax"], old["tax_name"]) == (1_900, "Umsatzsteuer 19%")
    assert "New York" in after["bill_to"] and "After Inc." in after["bill_to"]
    assert (after["tax"], after["lines"][0]["tax_rate"]) == (888, "0.08875")  # 887.5 → 888

    snapshots = await eventually(
        lambda: _at_least(2, events_for(kafka_bootstrap, "customer-changed", account.csn))
    )
    assert [s["data"]["billing_address"]["city"] for s in snapshots] == ["Berlin", "New York"]
    assert snapshots[-1]["data"]["company_name"] == "After Inc."


async def _at_least(n: int, found: object) -> list[dict] | None:
    events = await found  # type: ignore[misc]
    return events if len(events) >= n else None


async def test_only_the_primary_admin_changes_details_and_bad_addresses_are_refused_r_cust_1(
    gateway: httpx.AsyncClient,
) -> None:
    account = await new_account(gateway)
    for who in (account.buyer, account.agent):
        resp = await gateway.put(
            "/v1/customer",
            json={"company_name": "X", "billing_address": BERLIN},
            headers=who,
        )
        assert resp.status_code == 403
    bad_country = await put_customer(gateway, account, {**BERLIN, "country": "Germany"})
    assert bad_country.status_code == 422 and bad_country.json()["code"] == "invalid_request"
    no_rule = await put_customer(gateway, account, {**NEW_YORK, "region": "WA"})
    assert no_rule.status_code == 422 and no_rule.json()["code"] == "tax_address_unsupported"
    unknown = await put_customer(gateway, account, {**BERLIN, "street": "x"})
    assert unknown.status_code == 422
    unchanged = await get_ok(gateway, "/v1/customer", account.admin)
    assert unchanged["billing_address"]["city"] == "Berlin"


async def test_tax_follows_the_billing_address_at_checkout_and_renewal_r_inv_5(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-5: the rate table by country and region, per line, half up, in the currency's
    minor units (JPY has none)."""
    cases = [
        ({**BERLIN}, "EUR", 12_345, 2_346, "Umsatzsteuer 19%"),  # 2345.55 → 2346
        ({**NEW_YORK}, "USD", 12_345, 1_096, "New York City sales tax 8.875%"),  # 1095.62
        (
            {"line1": "1000 Rue Sherbrooke", "city": "Montreal", "region": "QC", "country": "CA"},
            "CAD",
            12_345,
            1_849,  # 1848.66
            "GST 5% + QST 9.975%",
        ),
        (
            {"line1": "1-2-3 Karasuma", "city": "Kyoto", "country": "JP"},
            "JPY",
            12_345,
            1_235,
            "Consumption tax 10%",
        ),
        (
            {"line1": "1 Main St", "city": "Portland", "region": "OR", "country": "US"},
            "USD",
            12_345,
            0,
            "Oregon: no sales tax",
        ),
    ]
    for address, currency, amount, tax, name in cases:
        account = await new_account(gateway, address)
        invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, amount)], currency)
        assert (invoice["tax"], invoice["tax_name"], invoice["currency"]) == (tax, name, currency)
        assert invoice["total"] == amount + tax
