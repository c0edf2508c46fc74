"""Helpers for the payments end-to-end tests: an account of the test's own, events published as
the producing service would, and the clock of the payments service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import httpx

from shared.clock import SystemClock
from shared.events import EventData, SubscriptionChanged
from shared.events.base import MoneyField
from shared.messaging.outbox import build_envelope
from tests.e2e.conftest import ALICE, token_for
from tests.kafka_tools import envelopes, eventually, publish_raw, read_topic


def new_account(roles: tuple[str, ...] = ("primary_admin",)) -> tuple[str, dict[str, str]]:
    """A customer account no other test touches: its CSN and a bearer header."""
    csn = f"59{uuid.uuid4().int % 10**8:08d}"
    token = token_for(f"admin@{csn}.example", csn, list(roles))
    return csn, {"Authorization": f"Bearer {token}"}


async def publish(
    bootstrap: str, event: EventData, producer: str, at: datetime | None = None
) -> None:
    """Publish an event on its topic exactly as its producer's outbox relay would."""
    envelope = build_envelope(
        event, producer=producer, clock=SystemClock(), correlation_id=None, causation_id=None
    )
    if at is not None:
        envelope = envelope.model_copy(update={"occurred_at": at})
    await publish_raw(
        bootstrap, event.topic, envelope.model_dump_json().encode(), key=envelope.key.encode()
    )


async def events_about(
    bootstrap: str, topic: str, key: str, *, at_least: int = 0
) -> list[dict[str, Any]]:
    """The envelopes of `key` on a topic, once at least `at_least` are there (an outbox
    publishes shortly after its transaction commits): the caller then checks the exact count."""

    async def read() -> list[dict[str, Any]] | None:
        records = await read_topic(bootstrap, topic, timeout=5)
        found = [e for e in envelopes(records) if e["key"] == key]
        return found if len(found) >= at_least else None

    if at_least == 0:
        return await read() or []
    return await eventually(read, timeout=30)  # type: ignore[no-any-return]


async def payments_today(gateway: httpx.AsyncClient) -> date:
    """Today on the payments service's clock (other tests may have moved every clock)."""
    resp = await gateway.get("/v1/dev/clock", headers=ALICE)
    assert resp.status_code == 200, resp.text
    [payments] = [c for c in resp.json() if c["service"] == "payments"]
    return datetime.fromisoformat(payments["now"]).date()


def subscription_snapshot(csn: str, sub_id: str, **fields: Any) -> SubscriptionChanged:
    currency = fields.pop("currency", "EUR")
    return SubscriptionChanged(
        **{
            "subscription_id": sub_id,
            "csn": csn,
            "contract_id": None,
            "team_id": "team-e2e",
            "product_code": "CAD-PRO",
            "product_name": "CAD Pro",
            "status": "active",
            "seats": 2,
            "seats_at_renewal": 2,
            "term": "annual",
            "term_at_renewal": "annual",
            "unit_price": MoneyField(amount=50_000, currency=currency),
            "renewal_amount": MoneyField(amount=100_000, currency=currency),
            "auto_renew": True,
            "start_date": date(2025, 1, 1),
            "renewal_date": date(2027, 1, 1),
            "purchase_method": "online_direct",
            "payment_method_id": None,
            "collection": "automatic",
            "partner_csn": None,
            "payment_error": None,
            **fields,
        }
    )
