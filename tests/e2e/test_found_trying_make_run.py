"""What a newcomer trying `make run` ran into (issue 11), each asserted as the user sees it.
`make test` runs this module on PostgreSQL and again on SQLite, the embedded default."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.demo import demo_users
from shared.events.base import MoneyField
from shared.infra.stack import Stack
from shared.principal import HEADER_INTERNAL_TOKEN, Principal, Role, to_headers
from shared.settings import DEV_INTERNAL_TOKEN
from tests.e2e.conftest import UMA
from tests.e2e.invoicing_support import BERLIN, new_account
from tests.e2e.payments_support import new_account as payments_account
from tests.e2e.payments_support import payments_today, publish, subscription_snapshot
from tests.e2e.quotes_support import (
    customer,
    new_csn,
    new_id,
    person,
    seed_subscriptions,
    service_today,
    subscription,
)
from tests.kafka_tools import envelopes, eventually, read_topic

pytestmark = pytest.mark.slow

VISA_TEST_NUMBER = "4242424242424242"  # Luhn-valid: a card number, whatever field it is in


def refused(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["code"] == code, body
    return body


def aware(timestamp: str) -> datetime:
    """A timestamp of an answer: ISO 8601 with its UTC offset, never a bare wall time."""
    parsed = datetime.fromisoformat(timestamp)
    assert parsed.utcoffset() == timedelta(0), timestamp
    return parsed


# --- 1. timestamps: one behaviour on every database ------------------------------------------


async def test_a_second_snapshot_of_a_subscription_changes_its_upcoming_payment(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """3 seats at 49.00 a month, then 2 at renewal: upcoming payments show 98.00, not 147.00
    (on SQLite the second snapshot was dead-lettered: naive vs aware datetimes)."""
    csn, headers = payments_account()
    today = await payments_today(gateway)
    sub_id = f"{csn}-render"
    fields: dict[str, Any] = {
        "term": "monthly",
        "term_at_renewal": "monthly",
        "renewal_date": today + timedelta(days=12),
        "seats": 3,
    }
    for seats_at_renewal in (3, 2):
        snapshot = subscription_snapshot(
            csn,
            sub_id,
            seats_at_renewal=seats_at_renewal,
            unit_price=MoneyField(amount=4_900, currency="EUR"),
            renewal_amount=MoneyField(amount=4_900 * seats_at_renewal, currency="EUR"),
            **fields,
        )
        await publish(kafka_bootstrap, snapshot, "subscriptions")

    async def renewal_amount() -> int | None:
        resp = await gateway.get("/v1/upcoming-payments?days=30", headers=headers)
        assert resp.status_code == 200, resp.text
        amounts = [i["amount"] for i in resp.json()["items"] if sub_id in i["subscription_ids"]]
        return amounts[0] if amounts == [9_800] else None

    assert await eventually(renewal_amount, timeout=30) == 9_800


async def test_a_quote_shows_the_same_utc_timestamps_before_and_after_it_is_sent(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    csn = new_csn()
    admin = person(csn, "primary_admin")
    today = await service_today(gateway)
    sub_id = new_id()
    await publish(kafka_bootstrap, customer(csn), "invoicing")
    await seed_subscriptions(
        gateway, kafka_bootstrap, admin, subscription(sub_id, csn, today + timedelta(days=40))
    )
    body = {"subscription_ids": [sub_id], "recipients": ["cfo@x.example"]}
    resp = await gateway.post("/v1/quotes", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    sent = await gateway.post(f"/v1/quotes/{created['id']}/send", headers=admin)
    assert sent.status_code == 200, sent.text
    read = await gateway.get(f"/v1/quotes/{created['id']}", headers=admin)
    assert read.json()["created_at"] == sent.json()["created_at"] == created["created_at"]
    aware(created["created_at"])
    assert aware(read.json()["sent_at"]) >= aware(created["created_at"])


# --- 2. a plain user sees no billing data (R-ROLE-1) ------------------------------------------

BILLING_FIELDS = (
    "unit_price_amount",
    "unit_price_at_renewal",
    "renewal_amount",
    "payment_method_id",
    "payment_method_kind",
    "payment_method_label",
    "payment_error",
)


async def test_a_plain_user_sees_their_subscription_without_billing_data_r_role_1(
    gateway: httpx.AsyncClient,
) -> None:
    detail = await gateway.get("/v1/subscriptions/sub-acme-cad", headers=UMA)
    assert detail.status_code == 200, detail.text
    listed = await gateway.get("/v1/subscriptions", headers=UMA)
    assert [s["id"] for s in listed.json()["items"]] == ["sub-acme-cad"]  # their assignment
    for shown in (detail.json(), listed.json()["items"][0]):
        assert shown["product_name"] == "CAD Pro" and shown["seats"] >= 1
        assert {f: shown[f] for f in BILLING_FIELDS} == dict.fromkeys(BILLING_FIELDS)

    for path in ("/v1/subscriptions/sub-acme-cad/export.csv", "/v1/subscriptions/export.csv"):
        resp = await gateway.get(path, headers=UMA)
        assert resp.status_code == 200, resp.text
        header, *rows = list(csv.reader(io.StringIO(resp.text)))
        assert {"unit_price", "renewal_amount", "payment_method", "payment_error"}.isdisjoint(
            header
        )
        assert [dict(zip(header, r, strict=True))["id"] for r in rows] == ["sub-acme-cad"]
        assert "Visa" not in resp.text and "4242" not in resp.text

    summary = await gateway.get("/v1/subscriptions/summary", headers=UMA)
    assert summary.status_code == 200, summary.text
    assert summary.json()["alerts"]["payment_errors"] == []


# --- 3. card numbers, whatever field they are typed into (R-PAY-1) -----------------------------


async def test_a_card_number_in_a_billing_address_is_refused_and_never_published(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    account = await new_account(gateway)
    with_card = {**BERLIN, "line2": f"Card {VISA_TEST_NUMBER}"}
    body = {"company_name": "Test GmbH", "billing_address": with_card}
    resp = await gateway.put("/v1/customer", json=body, headers=account.admin)
    assert "4242" not in refused(resp, 422, "card_data_refused")["detail"]
    kept = await gateway.get("/v1/customer", headers=account.admin)
    assert kept.json()["billing_address"]["line2"] != with_card["line2"]
    records = await read_topic(kafka_bootstrap, "customer-changed", min_count=1)
    assert not any(
        VISA_TEST_NUMBER in json.dumps(e) for e in envelopes(records) if e["key"] == account.csn
    )


async def test_a_card_number_in_a_quote_recipient_is_refused(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    csn = new_csn()
    admin = person(csn, "primary_admin")
    today = await service_today(gateway)
    sub_id = new_id()
    await seed_subscriptions(
        gateway, kafka_bootstrap, admin, subscription(sub_id, csn, today + timedelta(days=40))
    )
    body = {"subscription_ids": [sub_id], "recipients": [f"{VISA_TEST_NUMBER}@x.example"]}
    refused(await gateway.post("/v1/quotes", json=body, headers=admin), 422, "card_data_refused")
    listed = await gateway.get("/v1/quotes", headers=admin)
    assert listed.json()["total"] == 0


async def test_each_service_refuses_card_data_even_past_the_gateway(stack: Stack) -> None:
    """Defence in depth: a service called directly (as the gateway would) refuses it too."""
    principal = Principal("alice@acme.example", "5100000001", frozenset({Role.PRIMARY_ADMIN}))
    headers = {**to_headers(principal), HEADER_INTERNAL_TOKEN: DEV_INTERNAL_TOKEN}
    address = {**BERLIN, "line2": VISA_TEST_NUMBER}
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.put(
            f"{stack.url('invoicing')}/v1/customer",
            json={"company_name": "Acme Robotics GmbH", "billing_address": address},
            headers=headers,
        )
        refused(resp, 422, "card_data_refused")
        nested = "[" * 600 + "]" * 600
        resp = await client.post(
            f"{stack.url('payments')}/v1/payment-methods",
            content=nested,
            headers={**headers, "content-type": "application/json"},
        )
        refused(resp, 422, "invalid_request")


# --- 4. deeply nested JSON: a clear 422, never a 500 ------------------------------------------


@pytest.mark.parametrize("depth", [600, 100_000])
async def test_deeply_nested_json_is_refused_with_a_clear_error(
    gateway: httpx.AsyncClient, depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    admin = person("5100000001", "primary_admin", "alice@acme.example")
    for method, path in (("POST", "/v1/payment-methods"), ("PUT", "/v1/customer")):
        resp = await gateway.request(
            method, path, content=nested, headers={**admin, "content-type": "application/json"}
        )
        assert "levels deep" in refused(resp, 422, "invalid_request")["detail"]


# --- 6. every role the API serves can be tried with the demo data ------------------------------


async def test_the_demo_billing_agent_and_partner_can_do_what_their_roles_allow(
    gateway: httpx.AsyncClient,
) -> None:
    users = demo_users()

    def token_of(subject: str) -> dict[str, str]:
        user = users[subject]
        token = issue_token(
            GatewaySettings(),
            subject=subject,
            csn=user["csn"],
            roles=user["roles"],
            partner_csn=user.get("partner_csn"),
        )
        return {"Authorization": f"Bearer {token}"}

    agent = token_of("agnes@billing.vendor.example")
    resp = await gateway.get("/v1/credit-notes", headers=agent)
    assert resp.status_code == 200, resp.text

    pablo = token_of("pablo@reseller.example")

    async def quoted() -> dict[str, Any] | None:
        resp = await gateway.post(
            "/v1/partner/quotes",
            json={"subscription_ids": ["sub-bh-cad-partner"], "recipients": ["cfo@x.example"]},
            headers=pablo,
        )
        return resp.json() if resp.status_code == 201 else None  # once quotes has the snapshot

    quote = await eventually(quoted, timeout=30)
    assert (quote["origin"], quote["partner_csn"]) == ("partner", "7700000002")
    aware(quote["created_at"])
