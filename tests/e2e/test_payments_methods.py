"""Saved payment methods through the gateway (R-PAY-1, R-SUB-9): only a provider token and
what identifies it to a person are kept; card data is refused; deleting a method that pays for
an auto-renewal is refused with what to do."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ALICE, NORA, UMA
from tests.e2e.payments_support import (
    events_about,
    new_account,
    payments_today,
    publish,
    subscription_snapshot,
)
from tests.kafka_tools import envelopes, eventually, read_topic

TEST_PAN = "4242 4242 4242 4242"


async def add(gateway: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body = {"kind": "card", "provider_token": "tok_visa", "holder_name": "Test Holder", **body}
    resp = await gateway.post("/v1/payment-methods", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def listed(gateway: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    resp = await gateway.get("/v1/payment-methods", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]  # type: ignore[no-any-return]


async def test_card_is_saved_from_a_provider_token_with_brand_last_four_and_expiry_only(
    gateway: httpx.AsyncClient,
) -> None:
    """R-PAY-1"""
    _, headers = new_account()

    card = await add(gateway, headers, provider_token="tok_mastercard")

    assert card["label"] == "Mastercard •••• 4444"
    assert (card["brand"], card["last4"], card["exp_month"]) == ("mastercard", "4444", 12)
    assert card["is_default"] and card["recurring"] and card["valid"]
    assert "provider_token" not in card  # not even the token leaves the service
    assert [m["id"] for m in await listed(gateway, headers)] == [card["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "card", "provider_token": "tok_visa", "holder_name": TEST_PAN},
        {"kind": "card", "provider_token": "tok_visa", "holder_name": "A", "cvc": "123"},
        {"kind": "card", "number": "5555555555554444", "exp_month": 12, "exp_year": 2030},
        {
            "kind": "card",
            "provider_token": "tok_visa",
            "holder_name": "A",
            "note": "4111-1111-1111-1111",
        },
    ],
    ids=["pan-in-a-field", "security-code", "raw-card", "pan-in-an-unknown-field"],
)
async def test_request_carrying_card_data_is_refused_and_nothing_is_saved(
    gateway: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    """R-PAY-1: card numbers and security codes never reach a table or a log (see tests/audit)."""
    _, headers = new_account()

    resp = await gateway.post("/v1/payment-methods", json=body, headers=headers)

    assert resp.status_code == 422
    problem = resp.json()
    assert problem["code"] == "card_data_refused"
    assert "provider_token" in problem["detail"]
    assert "4242" not in resp.text and "5555" not in resp.text and "4111" not in resp.text
    assert await listed(gateway, headers) == []


async def test_card_data_in_a_change_is_refused_too(gateway: httpx.AsyncClient) -> None:
    """R-PAY-1"""
    _, headers = new_account()
    card = await add(gateway, headers)

    resp = await gateway.patch(
        f"/v1/payment-methods/{card['id']}",
        json={"holder_name": "x", "security_code": "123"},
        headers=headers,
    )

    assert (resp.status_code, resp.json()["code"]) == (422, "card_data_refused")


@pytest.mark.parametrize(
    ("kind", "token", "recurring"),
    [
        ("wallet", "tok_paypal", True),
        ("bank_transfer", "tok_bank_transfer", False),
        ("alipay", "tok_alipay", False),
        ("convenience_store", "tok_konbini", False),
    ],
)
async def test_manual_only_kinds_never_back_an_auto_renewal(
    gateway: httpx.AsyncClient, kind: str, token: str, recurring: bool
) -> None:
    """R-SUB-9: bank transfer, Alipay and convenience stores always need a manual renewal."""
    _, headers = new_account()

    method = await add(gateway, headers, kind=kind, provider_token=token)

    assert (method["kind"], method["recurring"]) == (kind, recurring)


async def test_unknown_token_or_wrong_kind_is_refused_with_what_to_do(
    gateway: httpx.AsyncClient,
) -> None:
    """R-PAY-1"""
    _, headers = new_account()
    base = {"holder_name": "A"}

    unknown = await gateway.post(
        "/v1/payment-methods",
        json={**base, "kind": "card", "provider_token": "tok_nope"},
        headers=headers,
    )
    mismatch = await gateway.post(
        "/v1/payment-methods",
        json={**base, "kind": "alipay", "provider_token": "tok_visa"},
        headers=headers,
    )
    extra = await gateway.post(
        "/v1/payment-methods",
        json={**base, "kind": "card", "provider_token": "tok_visa", "colour": "red"},
        headers=headers,
    )

    assert (unknown.status_code, unknown.json()["code"]) == (422, "provider_token_invalid")
    assert (mismatch.status_code, mismatch.json()["code"]) == (422, "payment_method_kind_mismatch")
    assert (extra.status_code, extra.json()["code"]) == (422, "invalid_request")


async def test_holder_name_expiry_and_default_can_be_changed_one_default_per_account(
    gateway: httpx.AsyncClient,
) -> None:
    """R-PAY-1"""
    _, headers = new_account()
    first = await add(gateway, headers)
    second = await add(gateway, headers, provider_token="tok_amex")
    assert (first["is_default"], second["is_default"]) == (True, False)

    changed = await gateway.patch(
        f"/v1/payment-methods/{second['id']}",
        json={"holder_name": "Blue Harbor AP", "exp_month": 6, "exp_year": 2035},
        headers=headers,
    )
    made_default = await gateway.post(
        f"/v1/payment-methods/{second['id']}/default", headers=headers
    )
    past = await gateway.patch(
        f"/v1/payment-methods/{first['id']}",
        json={"exp_month": 1, "exp_year": 2001},
        headers=headers,
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["holder_name"], changed.json()["exp_year"]) == ("Blue Harbor AP", 2035)
    assert made_default.status_code == 200 and made_default.json()["is_default"]
    assert [(m["id"], m["is_default"]) for m in await listed(gateway, headers)] == [
        (second["id"], True),
        (first["id"], False),
    ]
    assert (past.status_code, past.json()["code"]) == (422, "expiry_in_past")


async def test_method_paying_for_an_auto_renewal_cannot_be_deleted_until_another_is_linked(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-PAY-1: the refusal says what to do; it is lifted once the subscription has another
    method (as the subscriptions service announces it)."""
    csn, headers = new_account()
    card = await add(gateway, headers)
    other = await add(gateway, headers, provider_token="tok_amex")
    sub_id = f"sub-{csn}"
    renewal = await payments_today(gateway) + timedelta(days=10)

    async def link(method_id: str) -> None:
        snapshot = subscription_snapshot(
            csn, sub_id, payment_method_id=method_id, renewal_date=renewal
        )
        await publish(kafka_bootstrap, snapshot, "subscriptions")

        async def seen() -> bool:  # payments shows the renewal on the method it now knows
            resp = await gateway.get("/v1/upcoming-payments", headers=headers)
            return [i["payment_method_id"] for i in resp.json()["items"]] == [method_id]

        await eventually(seen, timeout=20)

    await link(card["id"])
    refused = await gateway.delete(f"/v1/payment-methods/{card['id']}", headers=headers)

    assert (refused.status_code, refused.json()["code"]) == (409, "payment_method_in_use")
    assert sub_id in refused.json()["detail"]
    assert "Link another payment method" in refused.json()["detail"]

    await link(other["id"])
    deleted = await gateway.delete(f"/v1/payment-methods/{card['id']}", headers=headers)

    assert deleted.status_code == 204
    assert (
        await gateway.get(f"/v1/payment-methods/{card['id']}", headers=headers)
    ).status_code == 404
    assert [m["id"] for m in await listed(gateway, headers)] == [other["id"]]


async def test_every_change_is_announced_as_a_snapshot_without_card_data(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-PAY-1: payment-method-changed after create, change and delete."""
    _, headers = new_account()
    card = await add(gateway, headers)
    await gateway.patch(
        f"/v1/payment-methods/{card['id']}", json={"holder_name": "B"}, headers=headers
    )
    assert (
        await gateway.delete(f"/v1/payment-methods/{card['id']}", headers=headers)
    ).status_code == 204

    async def three() -> list[dict[str, Any]]:
        found = await events_about(kafka_bootstrap, "payment-method-changed", card["id"])
        return found if len(found) >= 3 else []

    snapshots = [e["data"] for e in await eventually(three, timeout=20)]
    assert [(s["status"], s["valid"]) for s in snapshots] == [
        ("active", True),
        ("active", True),
        ("deleted", False),
    ]
    assert all(s["label"] == "Visa •••• 4242" and s["recurring"] for s in snapshots)
    assert not any("token" in key for s in snapshots for key in s)


async def test_demo_methods_are_announced_at_start_up(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-PAY-1, R-SUB-5: the subscriptions service learns each demo method's kind and validity."""
    records = envelopes(await read_topic(kafka_bootstrap, "payment-method-changed", min_count=5))
    announced = {e["key"]: e["data"] for e in records}
    assert announced["pm-acme-visa"]["recurring"] and announced["pm-acme-visa"]["valid"]
    assert announced["pm-kw-konbini"]["recurring"] is False


async def test_another_accounts_method_is_not_found(gateway: httpx.AsyncClient) -> None:
    """Tenant isolation: 404, never 403, for another account's method."""
    for call in (
        gateway.get("/v1/payment-methods/pm-acme-visa", headers=NORA),
        gateway.delete("/v1/payment-methods/pm-acme-visa", headers=NORA),
        gateway.post("/v1/payment-methods/pm-acme-visa/default", headers=NORA),
    ):
        resp = await call
        assert (resp.status_code, resp.json()["code"]) == (404, "payment_method_not_found")
    assert (await gateway.get("/v1/payment-methods/pm-acme-visa", headers=ALICE)).status_code == 200


async def test_plain_user_cannot_see_or_manage_payment_methods(gateway: httpx.AsyncClient) -> None:
    """R-ROLE-1"""
    body = {"kind": "card", "provider_token": "tok_visa", "holder_name": "Uma"}
    assert (await gateway.post("/v1/payment-methods", json=body, headers=UMA)).status_code == 403
    assert (await gateway.get("/v1/payment-methods", headers=UMA)).status_code == 403


async def test_repeated_save_with_one_idempotency_key_saves_one_method(
    gateway: httpx.AsyncClient,
) -> None:
    """ARCHITECTURE (idempotent commands), R-PAY-1: a repeat, even a concurrent one, returns
    the first method; the same key for another method is refused."""
    _, headers = new_account()
    keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    body = {"kind": "card", "provider_token": "tok_visa", "holder_name": "A"}

    async def save(**changes: str) -> httpx.Response:
        return await gateway.post("/v1/payment-methods", json=body | changes, headers=keyed)

    first, racing = await asyncio.gather(save(), save())
    again = await save()
    reused = await save(provider_token="tok_amex")

    assert first.status_code == racing.status_code == again.status_code == 201
    assert first.json()["id"] == racing.json()["id"] == again.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert [m["id"] for m in await listed(gateway, headers)] == [first.json()["id"]]
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
