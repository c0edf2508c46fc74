"""Upcoming payments through the gateway (R-PAY-2, R-PAY-3, R-PAY-4): what the account will be
charged (auto-renewals, retries) and what it has to pay (manual renewals, open invoices), for the
next 30 or 90 days, and the 30-day chart by status. The subscriptions and invoices are announced
here as their services would announce them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from shared.events import InvoiceIssued, InvoiceLineRef
from tests.e2e.payments_support import (
    new_account,
    payments_today,
    publish,
    subscription_snapshot,
)
from tests.kafka_tools import eventually


def _invoice(csn: str, invoice_id: str, due: date, **kw: Any) -> InvoiceIssued:
    return InvoiceIssued(
        **{
            "invoice_id": invoice_id,
            "invoice_number": f"INV-{invoice_id[-6:]}",
            "csn": csn,
            "currency": "EUR",
            "subtotal": 10_000,
            "tax": 1_900,
            "total": 11_900,
            "amount_due": 11_900,
            "issue_date": due,
            "due_date": due,
            "collection": "manual",
            "payment_method_id": None,
            "lines": [InvoiceLineRef(amount=10_000)],
            **kw,
        }
    )


@pytest.fixture(scope="module")
async def account(gateway: httpx.AsyncClient, kafka_bootstrap: str) -> dict[str, Any]:
    """One account with an auto-renewal, two manual renewals, one renewal beyond 30 days, a
    trial, an invoice on terms and an automatic invoice whose card was declined."""
    csn, headers = new_account()
    today = await payments_today(gateway)
    declining = await gateway.post(
        "/v1/payment-methods",
        json={"kind": "card", "provider_token": "tok_chargeDeclined", "holder_name": "E2E"},
        headers=headers,
    )
    assert declining.status_code == 201, declining.text
    method_id = declining.json()["id"]
    snapshots = [
        subscription_snapshot(
            csn, f"{csn}-auto", renewal_date=today + timedelta(days=10), payment_method_id=method_id
        ),
        subscription_snapshot(
            csn, f"{csn}-off", renewal_date=today + timedelta(days=20), auto_renew=False
        ),
        subscription_snapshot(
            csn,
            f"{csn}-konbini",
            renewal_date=today + timedelta(days=25),
            auto_renew=False,
            collection="manual",
        ),
        subscription_snapshot(csn, f"{csn}-far", renewal_date=today + timedelta(days=60)),
        subscription_snapshot(
            csn, f"{csn}-trial", renewal_date=today + timedelta(days=3), status="trial"
        ),
    ]
    for snapshot in snapshots:
        await publish(kafka_bootstrap, snapshot, "subscriptions")
    on_terms = _invoice(csn, f"inv-{csn}-terms", today + timedelta(days=5))
    declined = _invoice(
        csn, f"inv-{csn}-auto", today, collection="automatic", payment_method_id=method_id
    )
    for invoice in (on_terms, declined):
        await publish(kafka_bootstrap, invoice, "invoicing")

    async def all_known() -> bool:
        resp = await gateway.get("/v1/upcoming-payments?days=90", headers=headers)
        return resp.json()["total"] == 6

    await eventually(all_known, timeout=30)
    return {"csn": csn, "headers": headers, "today": today, "declined": declined.invoice_id}


async def upcoming(
    gateway: httpx.AsyncClient, account: dict[str, Any], query: str
) -> dict[str, Any]:
    resp = await gateway.get(f"/v1/upcoming-payments?{query}", headers=account["headers"])
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def _in(account: dict[str, Any], days: int) -> str:
    return (account["today"] + timedelta(days=days)).isoformat()


async def test_next_30_days_list_scheduled_and_unscheduled_payments_by_date(
    gateway: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    """R-PAY-2"""
    page = await upcoming(gateway, account, "days=30")

    rows = [(i["date"], i["kind"], i["schedule"], i["status"], i["amount"]) for i in page["items"]]
    assert rows == [
        (_in(account, 1), "retry", "scheduled", "payment_error", 11_900),
        (_in(account, 5), "invoice", "unscheduled", "manual", 11_900),
        (_in(account, 10), "renewal", "scheduled", "auto_renew", 100_000),
        (_in(account, 20), "renewal", "unscheduled", "manual", 100_000),
        (_in(account, 25), "renewal", "unscheduled", "manual", 100_000),
    ]
    renewal = page["items"][2]
    assert renewal["tax_included"] is False and "before tax" in page["note"]
    assert renewal["subscription_ids"] == [f"{account['csn']}-auto"]


async def test_next_90_days_add_later_renewals_and_the_list_is_paginated(
    gateway: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    """R-PAY-2"""
    everything = await upcoming(gateway, account, "days=90")
    first = await upcoming(gateway, account, "days=90&limit=4")
    rest = await upcoming(gateway, account, "days=90&limit=4&offset=4")
    scheduled = await upcoming(gateway, account, "days=90&schedule=scheduled")

    assert everything["total"] == 6
    assert everything["items"][-1]["subscription_ids"] == [f"{account['csn']}-far"]
    assert first["items"] + rest["items"] == everything["items"]
    assert [i["status"] for i in scheduled["items"]] == [
        "payment_error",
        "auto_renew",
        "auto_renew",
    ]


async def test_chart_of_the_next_30_days_by_status_per_week(
    gateway: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    """R-PAY-3"""
    resp = await gateway.get("/v1/upcoming-payments/chart?days=30", headers=account["headers"])
    assert resp.status_code == 200, resp.text
    chart = resp.json()

    [eur] = chart["series"]
    assert eur["totals"] == {"auto_renew": 100_000, "manual": 211_900, "payment_error": 11_900}
    assert eur["counts"] == {"auto_renew": 1, "manual": 3, "payment_error": 1}
    assert [b["start"] for b in eur["bars"]] == [_in(account, d) for d in (0, 7, 14, 21, 28)]
    assert eur["bars"][0] | {"start": None, "end": None} == {
        "start": None,
        "end": None,
        "auto_renew": 0,
        "manual": 11_900,
        "payment_error": 11_900,
    }
    assert chart["statuses"] == ["auto_renew", "manual", "payment_error"]


async def test_declined_charge_shows_its_reason_and_when_it_is_tried_again(
    gateway: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    """R-PAY-4: the payment error is shown, with the next retry."""
    resp = await gateway.get(
        f"/v1/charges?invoice_id={account['declined']}", headers=account["headers"]
    )
    [charge] = resp.json()["items"]
    assert (charge["status"], charge["failure_code"]) == ("failed", "card_declined")
    assert charge["failure_message"] == "Your card was declined."
    assert charge["next_retry_at"].startswith(_in(account, 1))


async def test_upcoming_payments_are_hidden_from_plain_users_and_bad_windows_are_refused(
    gateway: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    """R-ROLE-1, R-PAY-2"""
    user = new_account(("user",))[1]
    assert (await gateway.get("/v1/upcoming-payments", headers=user)).status_code == 403
    bad = await gateway.get("/v1/upcoming-payments?days=365", headers=account["headers"])
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_request")
