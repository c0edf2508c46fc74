"""Two replicas of the quotes service (its automatic-quote job) and of the notifications
service (its consumers, notice and delivery jobs), on the same databases and consumer groups:
still exactly one automatic quote per renewal group and one e-mail per fact and person
(R-QUO-8, R-NOTE-5), also when every event comes again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shared.infra.stack import Stack
from shared.principal import HEADER_INTERNAL_TOKEN
from shared.settings import DEV_INTERNAL_TOKEN
from tests.e2e.conftest import ALICE
from tests.e2e.notifications_support import (
    contacts,
    mails,
    publish_contacts,
    recipients,
    replay,
    settled,
    wait_mails,
)
from tests.e2e.quotes_support import (
    customer,
    new_csn,
    new_id,
    person,
    publish,
    seed_subscriptions,
    service_today,
    subscription,
)
from tests.kafka_tools import eventually, read_topic

pytestmark = pytest.mark.slow

CSN = new_csn()
ADMIN, MANAGER, BUYER = (f"{r}@{CSN}.example" for r in ("admin", "cm", "buyer"))
HEADERS = person(CSN, "primary_admin", ADMIN)
SUBS = [new_id("sub-rep-eur"), new_id("sub-rep-eur"), new_id("sub-rep-usd")]
TOPICS = ["subscription-changed", "quote-sent", "account-contacts-changed", "customer-changed"]
INTERNAL = {HEADER_INTERNAL_TOKEN: DEV_INTERNAL_TOKEN}


async def set_clock(stack: Stack, names: list[str], offset: int) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for name in names:
            resp = await client.put(
                f"{stack.url(name)}/internal/dev/clock",
                json={"offset_seconds": offset},
                headers=INTERNAL,
            )
            assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
async def replicas(stack: Stack, gateway: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    names = [stack.start_replica("quotes"), stack.start_replica("notifications")]
    try:
        stack.wait_ready(tuple(names))
        clocks = (await gateway.get("/v1/dev/clock", headers=ALICE)).json()
        await set_clock(stack, names, max(c["offset_seconds"] for c in clocks))
        yield names
    finally:
        for name in names:
            stack.kill(name)
            stack.processes.pop(name, None)


@pytest.fixture(scope="module")
async def window_opened(
    gateway: httpx.AsyncClient, stack: Stack, kafka_bootstrap: str, replicas: list[str]
) -> list[dict[str, Any]]:
    await publish(kafka_bootstrap, customer(CSN), "invoicing")
    await publish_contacts(
        kafka_bootstrap,
        contacts(
            CSN,
            (ADMIN, "Ada Admin", ["primary_admin"]),
            (MANAGER, "Carl Contracts", ["contract_manager"]),
            (BUYER, "Bo Buyer", ["buyer"]),
        ),
    )
    today = await service_today(gateway)
    await seed_subscriptions(
        gateway,
        kafka_bootstrap,
        HEADERS,
        subscription(SUBS[0], CSN, today + timedelta(days=95)),
        subscription(SUBS[1], CSN, today + timedelta(days=94)),
        subscription(SUBS[2], CSN, today + timedelta(days=93), currency="USD"),
    )
    # The replicas' clocks first (the gateway moves the first processes'), so both race.
    clocks = (await gateway.get("/v1/dev/clock", headers=ALICE)).json()
    offset = max(c["offset_seconds"] for c in clocks) + int(timedelta(days=6).total_seconds())
    await set_clock(stack, replicas, offset)
    resp = await gateway.post("/v1/dev/clock/advance", json={"days": 6}, headers=ALICE)
    assert resp.status_code == 200, resp.text

    async def two() -> list[dict[str, Any]] | None:
        resp = await gateway.get("/v1/quotes", params={"origin": "automatic"}, headers=HEADERS)
        items = resp.json()["items"]
        return items if len(items) >= 2 else None

    return await eventually(two, timeout=60)  # type: ignore[no-any-return]


async def quote_sent_events(bootstrap: str) -> list[dict[str, Any]]:
    records = await read_topic(bootstrap, "quote-sent", min_count=1)
    found = [json.loads(r.value) for r in records]
    return [e for e in found if isinstance(e, dict) and e.get("data", {}).get("csn") == CSN]


async def test_two_replicas_make_one_quote_per_group_and_one_email_per_fact(
    gateway: httpx.AsyncClient, stack: Stack, window_opened: list[dict[str, Any]]
) -> None:
    """R-QUO-8: one quote per group and one quote-sent each, with two quotes jobs racing;
    R-NOTE-5: one e-mail per fact and person with two notifications consumers and jobs, and
    still so after every event is replayed."""
    facts = {f"quote-sent:{q['id']}": [ADMIN, MANAGER] for q in window_opened}
    for q in window_opened:
        assert q["origin"] == "automatic"
    for sub_id in SUBS:
        facts[f"renewal-notice:{sub_id}:"] = [ADMIN, BUYER, MANAGER]
    for fact, people in facts.items():
        await wait_mails(stack, fact, len(people))
    await settled(stack.bootstrap_servers, TOPICS, pause=3.0)  # both jobs ran many times
    assert len(await quote_sent_events(stack.bootstrap_servers)) == 2  # one per quote
    for topic in TOPICS:
        await replay(stack.bootstrap_servers, topic)
    await settled(stack.bootstrap_servers, TOPICS, pause=3.0)

    resp = await gateway.get("/v1/quotes", params={"origin": "automatic"}, headers=HEADERS)
    assert sorted(q["id"] for q in resp.json()["items"]) == sorted(q["id"] for q in window_opened)
    assert len(window_opened) == 2
    sent = await quote_sent_events(stack.bootstrap_servers)
    assert {e["data"]["quote_id"] for e in sent} == {q["id"] for q in window_opened}
    for fact, people in facts.items():
        assert recipients(mails(stack, fact)) == sorted(people), fact
