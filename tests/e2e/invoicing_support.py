"""Helpers for the invoicing end-to-end tests: each test works in an account of its own (a
fresh CSN whose billing details it sets), and plays the other services by publishing their
events on the real broker, exactly as they would."""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import httpx

from shared.clock import SystemClock
from shared.events import (
    Envelope,
    EventData,
    MoneyField,
    PaymentFailed,
    PaymentSucceeded,
    RenewalOrderLine,
    RenewalOrderPlaced,
    RenewalRequested,
)
from shared.messaging.outbox import build_envelope
from tests.e2e.conftest import token_for
from tests.kafka_tools import envelopes, eventually, publish_raw, read_topic

BERLIN = {"line1": "Friedrichstrasse 68", "city": "Berlin", "postal_code": "10117", "country": "DE"}
NEW_YORK = {
    "line1": "350 Fifth Avenue",
    "city": "New York",
    "postal_code": "10118",
    "region": "NY",
    "country": "US",
}


def fresh_csn() -> str:
    return f"59{random.randrange(10**8):08d}"


def headers(csn: str, role: str, subject: str | None = None) -> dict[str, str]:
    token = token_for(subject or f"{role}@{csn}.example", csn, [role])
    return {"Authorization": f"Bearer {token}"}


class Account:
    """One customer account of a test: its CSN and a person per role."""

    def __init__(self, csn: str | None = None, admin: dict[str, str] | None = None) -> None:
        self.csn = csn or fresh_csn()
        self.admin = admin or headers(self.csn, "primary_admin")
        self.buyer = headers(self.csn, "buyer")
        self.user = headers(self.csn, "user")
        self.agent = headers(self.csn, "billing_agent")


async def new_account(
    gateway: httpx.AsyncClient, address: dict[str, Any] | None = None, name: str = "Test GmbH"
) -> Account:
    account = Account()
    resp = await gateway.put(
        "/v1/customer",
        json={"company_name": name, "billing_address": address or BERLIN},
        headers=account.admin,
    )
    assert resp.status_code == 200, resp.text
    return account


async def publish(bootstrap: str, event: EventData, producer: str) -> Envelope:
    """Publish as the producing service would: one envelope, keyed by the aggregate id."""
    envelope = build_envelope(
        event, producer=producer, clock=SystemClock(), correlation_id=None, causation_id=None
    )
    await republish(bootstrap, envelope)
    return envelope


async def republish(bootstrap: str, envelope: Envelope) -> None:
    """The very same envelope again: what a redelivery looks like to a consumer."""
    await publish_raw(
        bootstrap, envelope.type, envelope.model_dump_json().encode(), key=envelope.key.encode()
    )


def money(amount: int, currency: str = "EUR") -> MoneyField:
    return MoneyField(amount=amount, currency=currency)


def renewal_requested(
    csn: str,
    *,
    seats: int = 2,
    unit: int = 10_000,
    currency: str = "EUR",
    payment_method_id: str | None = None,
    subscription_id: str | None = None,
) -> RenewalRequested:
    return RenewalRequested(
        renewal_id=uuid.uuid4(),
        subscription_id=subscription_id or f"sub-{uuid.uuid4().hex[:10]}",
        csn=csn,
        team_id="team-test",
        product_code="CAD-PRO",
        product_name="CAD Pro",
        seats=seats,
        term="annual",
        unit_price=money(unit, currency),
        period_start=date(2031, 1, 15),
        period_end=date(2032, 1, 15),
        payment_method_id=payment_method_id,
        collection="automatic" if payment_method_id else "manual",
    )


def renewal_order(
    csn: str,
    lines: list[tuple[int, int]],
    *,
    currency: str = "EUR",
    payment_method_id: str | None = None,
) -> RenewalOrderPlaced:
    """A renewal cart: (seats, unit price) per subscription."""
    return RenewalOrderPlaced(
        order_id=uuid.uuid4(),
        csn=csn,
        currency=currency,
        purchase_method="online_direct",
        collection="automatic" if payment_method_id else "manual",
        payment_method_id=payment_method_id,
        placed_by=f"primary_admin@{csn}.example",
        lines=[
            RenewalOrderLine(
                renewal_id=uuid.uuid4(),
                subscription_id=f"sub-{uuid.uuid4().hex[:10]}",
                team_id="team-test",
                product_code="RENDER",
                product_name="Render Cloud",
                seats=seats,
                term="monthly",
                unit_price=money(unit, currency),
                period_start=date(2031, 2, 1),
                period_end=date(2031, 3, 1),
            )
            for seats, unit in lines
        ],
    )


def paid(invoice: dict[str, Any], amount: int, charge_id: str | None = None) -> PaymentSucceeded:
    """What payments publishes after a successful charge."""
    return PaymentSucceeded(
        charge_id=charge_id or f"ch-{uuid.uuid4().hex[:12]}",
        invoice_id=invoice["id"],
        csn=invoice["csn"],
        amount=amount,
        currency=invoice["currency"],
        payment_method_id="pm-test",
        provider_charge_id=f"prov-{uuid.uuid4().hex[:8]}",
        attempt=1,
    )


def failed(invoice: dict[str, Any], reason: str = "card_declined") -> PaymentFailed:
    return PaymentFailed(
        charge_id=f"ch-{uuid.uuid4().hex[:12]}",
        invoice_id=invoice["id"],
        csn=invoice["csn"],
        amount=invoice["amount_due"],
        currency=invoice["currency"],
        payment_method_id="pm-test",
        reason=reason,
        message="The card was declined.",
        attempt=1,
    )


async def get_ok(gateway: httpx.AsyncClient, path: str, who: dict[str, str]) -> Any:
    resp = await gateway.get(path, headers=who)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def wait_for_orders(
    gateway: httpx.AsyncClient, account: Account, count: int
) -> list[dict[str, Any]]:
    async def listed() -> list[dict[str, Any]] | None:
        page = await get_ok(gateway, "/v1/orders?limit=200", account.admin)
        return page["items"] if len(page["items"]) >= count else None

    return await eventually(listed)  # type: ignore[no-any-return]


async def wait_for_invoice(
    gateway: httpx.AsyncClient, account: Account, invoice_id: str, **expected: Any
) -> dict[str, Any]:
    async def matches() -> dict[str, Any] | None:
        invoice = await get_ok(gateway, f"/v1/invoices/{invoice_id}", account.admin)
        return invoice if all(invoice[k] == v for k, v in expected.items()) else None

    return await eventually(matches)  # type: ignore[no-any-return]


async def events_for(bootstrap: str, topic: str, key: str) -> list[dict[str, Any]]:
    return [e for e in envelopes(await read_topic(bootstrap, topic)) if e["key"] == key]


async def open_invoice(
    gateway: httpx.AsyncClient,
    bootstrap: str,
    account: Account,
    lines: list[tuple[int, int]],
    currency: str = "EUR",
) -> dict[str, Any]:
    """A renewal cart on net terms (manual collection: payments leaves it alone)."""
    before = (await get_ok(gateway, "/v1/orders?limit=1", account.admin))["total"]
    event = renewal_order(account.csn, lines, currency=currency)
    await publish(bootstrap, event, "subscriptions")
    orders = await wait_for_orders(gateway, account, before + 1)
    [order] = [o for o in orders if o["id"] == str(event.order_id)]
    return await get_ok(gateway, f"/v1/invoices/{order['invoice']['id']}", account.admin)  # type: ignore[no-any-return]


async def saved_card(gateway: httpx.AsyncClient, account: Account, token: str = "tok_visa") -> str:
    """A payment method saved with payments (sandbox token: tok_visa pays, tok_chargeDeclined
    is declined)."""
    resp = await gateway.post(
        "/v1/payment-methods",
        json={"kind": "card", "provider_token": token, "holder_name": "Test Holder"},
        headers=account.admin,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]  # type: ignore[no-any-return]


async def pay(
    gateway: httpx.AsyncClient, account: Account, invoice_id: str, method_id: str, **body: Any
) -> httpx.Response:
    return await gateway.post(
        f"/v1/invoices/{invoice_id}/payments",
        json={"payment_method_id": method_id, **body},
        headers=account.buyer,
    )
