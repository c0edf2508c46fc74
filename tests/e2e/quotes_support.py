"""Helpers of the quotes end-to-end tests: feed the quotes projections over the real broker as
the subscriptions and invoicing services would, and talk to the gateway as people would."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.clock import FixedClock, SystemClock
from shared.events import (
    BillingAddress,
    CustomerChanged,
    EventData,
    MoneyField,
    SubscriptionChanged,
)
from shared.messaging.outbox import build_envelope
from shared.terms import TERM_MONTHS, add_months
from tests.e2e.conftest import ALICE, token_for
from tests.kafka_tools import eventually, publish_raw

LUMEN = "5100000005"  # demo account kept for the quotes tests (deploy/demo/accounts.json)
PARTNER = "7700000001"  # agent of record of sub-lumen-render


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def person(csn: str, role: str, subject: str | None = None) -> dict[str, str]:
    return bearer(token_for(subject or f"{role}@{csn}.example", csn, [role]))


def partner(csn: str, partner_csn: str | None = PARTNER) -> dict[str, str]:
    token = issue_token(
        GatewaySettings(),
        subject=f"sales@{partner_csn or 'nobody'}.example",
        csn=csn,
        roles=["partner"],
        partner_csn=partner_csn,
    )
    return bearer(token)


def new_csn() -> str:
    """An account of its own per test module: nothing else lands in it."""
    return f"59{uuid.uuid4().int % 10**8:08d}"


def new_id(prefix: str = "sub-qt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def service_today(gateway: httpx.AsyncClient) -> date:
    """The quotes service's date: other tests move the shared dev clock forward."""
    resp = await gateway.get("/v1/dev/clock", headers=ALICE)
    assert resp.status_code == 200, resp.text
    now = next(c["now"] for c in resp.json() if c["service"] == "quotes")
    return datetime.fromisoformat(now).date()


def subscription(sub_id: str, csn: str, renewal_date: date, **changes: Any) -> SubscriptionChanged:
    term = changes.get("term", "annual")
    price = changes.pop("unit_price", 189_000)
    currency = changes.pop("currency", "EUR")
    seats = changes.get("seats", 5)
    data: dict[str, Any] = {
        "subscription_id": sub_id,
        "csn": csn,
        "contract_id": None,
        "team_id": "team-quotes-test",
        "product_code": "CAD-PRO",
        "product_name": "CAD Pro",
        "status": "active",
        "seats": seats,
        "seats_at_renewal": seats,
        "term": term,
        "term_at_renewal": term,
        "unit_price": MoneyField(amount=price, currency=currency),
        "renewal_amount": MoneyField(amount=price * seats, currency=currency),
        "auto_renew": False,
        "start_date": add_months(renewal_date, -TERM_MONTHS[term]),
        "renewal_date": renewal_date,
        "purchase_method": "quote",
        "payment_method_id": None,
        "collection": "manual",
        "partner_csn": None,
        "payment_error": None,
        **changes,
    }
    return SubscriptionChanged(**data)


def customer(csn: str, country: str = "DE", region: str | None = None) -> CustomerChanged:
    return CustomerChanged(
        csn=csn,
        company_name=f"Test company {csn}",
        billing_address=BillingAddress(
            line1="Friedrichstrasse 1", city="Berlin", country=country, region=region
        ),
        net_terms_days=30,
    )


async def publish(
    bootstrap: str, event: EventData, producer: str, occurred_at: datetime | None = None
) -> None:
    """Publish as its producer would: same envelope, the aggregate id as the key."""
    envelope = build_envelope(
        event,
        producer=producer,
        clock=FixedClock(occurred_at) if occurred_at else SystemClock(),
        correlation_id=None,
        causation_id=None,
    )
    await publish_raw(
        bootstrap,
        event.topic,
        envelope.model_dump_json().encode(),
        key=event.aggregate_key().encode(),
    )


async def renewal_groups(
    gateway: httpx.AsyncClient, headers: dict[str, str], ids: list[str]
) -> dict[str, Any]:
    resp = await gateway.post(
        "/v1/quotes/renewal-groups", json={"subscription_ids": ids}, headers=headers
    )
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def until_known(gateway: httpx.AsyncClient, headers: dict[str, str], ids: list[str]) -> None:
    """Wait until the quotes service has the snapshots of these subscriptions."""

    async def known() -> bool:
        body = await renewal_groups(gateway, headers, ids)
        return not any(i["code"] == "subscription_not_found" for i in body["ineligible"])

    await eventually(known, timeout=30)


async def seed_subscriptions(
    gateway: httpx.AsyncClient,
    bootstrap: str,
    headers: dict[str, str],
    *events: SubscriptionChanged,
) -> None:
    for event in events:
        await publish(bootstrap, event, "subscriptions")
    await until_known(gateway, headers, [e.subscription_id for e in events])


def days(n: int) -> timedelta:
    return timedelta(days=n)
