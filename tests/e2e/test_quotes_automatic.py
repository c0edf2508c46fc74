"""Automatic renewal quotes (R-QUO-8) and the renewal notice (R-NOTE-1), over the real broker
and a real SMTP server: moving the clock into the manual renewal window makes one automatic
quote per renewal group, sent to the primary admins and contract managers, and one notice
e-mail per subscription to the people who can renew; replaying every event makes neither a
second quote nor a second e-mail; a self-service quote for the same renewal, or the renewal
paid another way, cancels the automatic quote and says why. Then two replicas of the quotes
service (its automatic-quote job) and of the notifications service (its consumers, notice and
delivery jobs), on the same databases and consumer groups: still exactly one automatic quote per
renewal group and one e-mail per fact and person, also when every event comes again.

These tests move the clock weeks ahead, so they run on a stack of their own (broker, databases):
the shared stack's demo renewals (test_renewal_flow.py) count on a clock that has barely moved."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.infra.stack import Stack, isolated_stack, settings_under_test
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
    text_of,
    wait_mails,
)
from tests.e2e.quotes_support import (
    PARTNER,
    customer,
    new_csn,
    new_id,
    partner,
    person,
    publish,
    seed_subscriptions,
    service_today,
    subscription,
)
from tests.kafka_tools import eventually, read_topic

pytestmark = pytest.mark.slow

CSN = new_csn()
ADMIN, MANAGER, BUYER, USER = (f"{r}@{CSN}.example" for r in ("admin", "cm", "buyer", "user"))
HEADERS = person(CSN, "primary_admin", ADMIN)
EUR_1, EUR_2, USD_1 = new_id("sub-auto-eur"), new_id("sub-auto-eur"), new_id("sub-auto-usd")
AUTO_RENEWING, TRIAL = new_id("sub-auto-card"), new_id("sub-auto-trial")
TOPICS = ["subscription-changed", "quote-sent", "account-contacts-changed", "customer-changed"]


@pytest.fixture(scope="module")
def stack(artifacts: Path) -> Iterator[Stack]:
    root = artifacts / "automatic-quotes"
    with isolated_stack(root, settings_under_test(root / "sandbox-psp-ledger.db")) as own:
        yield own


@pytest.fixture(scope="module")
def kafka_bootstrap(stack: Stack) -> str:
    return stack.bootstrap_servers


@pytest.fixture(scope="module")
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as client:
        yield client


async def automatic_quotes(gateway: httpx.AsyncClient) -> list[dict[str, Any]]:
    resp = await gateway.get("/v1/quotes", params={"origin": "automatic"}, headers=HEADERS)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]  # type: ignore[no-any-return]


async def quote(gateway: httpx.AsyncClient, quote_id: str) -> dict[str, Any]:
    resp = await gateway.get(f"/v1/quotes/{quote_id}", headers=HEADERS)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def quoted(q: dict[str, Any]) -> list[str]:
    return sorted(line["subscription_id"] for line in q["lines"])


@pytest.fixture(scope="module")
async def window_opened(gateway: httpx.AsyncClient, kafka_bootstrap: str) -> dict[str, Any]:
    """Two EUR subscriptions and one USD one renew manually 93-95 days from now, one renews
    automatically by card and one is a trial; then the clock moves 6 days into their window."""
    await publish(kafka_bootstrap, customer(CSN), "invoicing")
    await publish_contacts(
        kafka_bootstrap,
        contacts(
            CSN,
            (ADMIN, "Ada Admin", ["primary_admin"]),
            (MANAGER, "Carl Contracts", ["contract_manager"]),
            (BUYER, "Bo Buyer", ["buyer"]),
            (USER, "Uli User", ["user"]),
        ),
    )
    today = await service_today(gateway)
    subs = {
        EUR_1: subscription(EUR_1, CSN, today + timedelta(days=95)),
        EUR_2: subscription(EUR_2, CSN, today + timedelta(days=94), seats=3),
        USD_1: subscription(USD_1, CSN, today + timedelta(days=93), currency="USD"),
        AUTO_RENEWING: subscription(
            AUTO_RENEWING,
            CSN,
            today + timedelta(days=95),
            auto_renew=True,
            collection="automatic",
            purchase_method="online_direct",
            payment_method_id="pm-card",
        ),
        TRIAL: subscription(TRIAL, CSN, today + timedelta(days=95), status="trial"),
    }
    await seed_subscriptions(gateway, kafka_bootstrap, HEADERS, *subs.values())
    assert await automatic_quotes(gateway) == []  # the windows open in 2 to 4 days
    resp = await gateway.post("/v1/dev/clock/advance", json={"days": 6}, headers=ALICE)
    assert resp.status_code == 200, resp.text

    async def two_quotes() -> list[dict[str, Any]] | None:
        found = await automatic_quotes(gateway)
        return found if len(found) == 2 else None

    made = await eventually(two_quotes, timeout=60)
    return {"subs": subs, "quotes": {q["currency"]: q for q in made}}


async def test_one_automatic_quote_per_renewal_group_when_the_window_opens(
    gateway: httpx.AsyncClient, window_opened: dict[str, Any]
) -> None:
    """R-QUO-8: one quote per group (EUR, USD), the manual renewals only, at the subscription's
    price and term with promotions applied, valid until the renewal date, sent to the primary
    admins and contract managers."""
    subs, made = window_opened["subs"], window_opened["quotes"]
    assert quoted(made["EUR"]) == sorted([EUR_1, EUR_2])
    assert quoted(made["USD"]) == [USD_1]
    for q in made.values():
        assert q["status"] == "sent"
        assert q["origin"] == "automatic"
        assert sorted(q["recipients"]) == sorted([ADMIN, MANAGER])
    eur = made["EUR"]
    assert date.fromisoformat(eur["expires_on"]) == subs[EUR_2].renewal_date  # the first one
    for line in eur["lines"]:
        sub = subs[line["subscription_id"]]
        assert (line["unit_price"], line["term"], line["seats"]) == (
            sub.unit_price.amount,
            sub.term,
            sub.seats,
        )
        assert date.fromisoformat(line["period_start"]) == sub.renewal_date
        assert [p["code"] for p in line["promotions"]] == ["CAD-LOYALTY-5"]  # R-QUO-7
        assert line["amount"] == line["list_amount"] - line["discount"] < line["list_amount"]


async def test_automatic_quote_and_renewal_notice_emails_reach_the_right_people(
    stack: Stack, window_opened: dict[str, Any]
) -> None:
    """R-QUO-8 + R-NOTE-2: each automatic quote is e-mailed to the primary admin and the
    contract manager; R-NOTE-1: each manual renewal gets one notice when its window opens, to
    the people who can renew (not plain users), with its renewal options."""
    for q in window_opened["quotes"].values():
        sent = await wait_mails(stack, f"quote-sent:{q['id']}", 2)
        assert recipients(sent) == sorted([ADMIN, MANAGER])
        assert "renew manually" in text_of(sent[0])
    for sub_id in (EUR_1, EUR_2, USD_1):
        sub = window_opened["subs"][sub_id]
        fact = f"renewal-notice:{sub_id}:{sub.renewal_date}:window"
        notices = await wait_mails(stack, fact, 3)
        assert recipients(notices) == sorted([ADMIN, MANAGER, BUYER])
        assert sub.renewal_date.isoformat() in str(notices[0]["Subject"])
        assert "Renew in your account" in text_of(notices[0])
    for sub_id in (AUTO_RENEWING, TRIAL):
        assert mails(stack, f"renewal-notice:{sub_id}:") == []


async def test_replaying_every_event_makes_no_second_quote_and_no_second_email(
    gateway: httpx.AsyncClient, stack: Stack, window_opened: dict[str, Any]
) -> None:
    """R-QUO-8: never twice for one renewal; R-NOTE-5: one e-mail per fact, however often the
    events come again (same and new event ids)."""
    made = window_opened["quotes"]
    for q in made.values():
        await wait_mails(stack, f"quote-sent:{q['id']}", 2)
    notice = f"renewal-notice:{EUR_1}:"
    await wait_mails(stack, notice, 3)
    before = {fact: len(mails(stack, fact)) for fact in ("quote-sent:", notice)}
    for topic in TOPICS:
        await replay(stack.bootstrap_servers, topic)
    await settled(stack.bootstrap_servers, TOPICS, pause=3.0)  # several job runs meanwhile
    assert {q["id"] for q in await automatic_quotes(gateway)} == {q["id"] for q in made.values()}
    assert {fact: len(mails(stack, fact)) for fact in before} == before


async def test_self_service_quote_for_the_same_renewal_cancels_the_automatic_one(
    gateway: httpx.AsyncClient, window_opened: dict[str, Any]
) -> None:
    """R-QUO-8: advice, not a hold: the customer may quote the renewal themselves; sending it
    cancels the automatic quote, whose status and reason say why."""
    automatic = window_opened["quotes"]["EUR"]
    resp = await gateway.post(
        "/v1/quotes", json={"subscription_ids": [EUR_1], "recipients": [ADMIN]}, headers=HEADERS
    )
    assert resp.status_code == 201, resp.text  # not refused as "already quoted"
    own = resp.json()
    assert (await quote(gateway, automatic["id"]))["status"] == "sent"  # a draft changes nothing
    resp = await gateway.post(f"/v1/quotes/{own['id']}/send", headers=HEADERS)
    assert resp.status_code == 200, resp.text
    withdrawn = await quote(gateway, automatic["id"])
    assert withdrawn["status"] == "cancelled"
    assert own["number"] in withdrawn["cancellation_reason"]


async def test_renewal_paid_another_way_cancels_the_automatic_quote(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, window_opened: dict[str, Any]
) -> None:
    """R-QUO-8: the USD renewal is paid from a cart: its renewal date moves one term, and the
    automatic quote for the old date is cancelled, saying so."""
    automatic = window_opened["quotes"]["USD"]
    sub = window_opened["subs"][USD_1]
    renewed = subscription(
        USD_1,
        CSN,
        sub.renewal_date + timedelta(days=365),
        currency="USD",
        start_date=sub.start_date,
    )
    await publish(kafka_bootstrap, renewed, "subscriptions")

    async def cancelled() -> dict[str, Any] | None:
        found = await quote(gateway, automatic["id"])
        return found if found["status"] == "cancelled" else None

    withdrawn = await eventually(cancelled, timeout=30)
    assert "paid another way" in withdrawn["cancellation_reason"]


async def test_reminders_30_and_7_days_before_the_renewal_date(
    gateway: httpx.AsyncClient, stack: Stack, window_opened: dict[str, Any]
) -> None:
    """R-NOTE-1: reminders 30 and 7 days before the renewal date, once each, to the people
    who can renew."""
    sub = window_opened["subs"][EUR_2]
    for stage, days_before in (("reminder_30", 30), ("reminder_7", 7)):
        today = await service_today(gateway)
        days = (sub.renewal_date - timedelta(days=days_before) - today).days
        resp = await gateway.post("/v1/dev/clock/advance", json={"days": days}, headers=ALICE)
        assert resp.status_code == 200, resp.text
        fact = f"renewal-notice:{EUR_2}:{sub.renewal_date}:{stage}"
        reminders = await wait_mails(stack, fact, 3)
        assert recipients(reminders) == sorted([ADMIN, MANAGER, BUYER])
        assert f"in {days_before} days" in str(reminders[0]["Subject"])
    await settled(stack.bootstrap_servers, TOPICS)
    assert len(mails(stack, f"renewal-notice:{EUR_2}:")) == 9  # window, 30 and 7 days: 3 each


# --- two replicas ---------------------------------------------------------------------------
R_CSN = new_csn()
R_ADMIN, R_MANAGER, R_BUYER = (f"{r}@{R_CSN}.example" for r in ("admin", "cm", "buyer"))
R_HEADERS = person(R_CSN, "primary_admin", R_ADMIN)
R_SUBS = [new_id("sub-rep-eur"), new_id("sub-rep-eur"), new_id("sub-rep-usd")]
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
async def replicas_window(
    gateway: httpx.AsyncClient, stack: Stack, kafka_bootstrap: str, replicas: list[str]
) -> list[dict[str, Any]]:
    await publish(kafka_bootstrap, customer(R_CSN), "invoicing")
    await publish_contacts(
        kafka_bootstrap,
        contacts(
            R_CSN,
            (R_ADMIN, "Ada Admin", ["primary_admin"]),
            (R_MANAGER, "Carl Contracts", ["contract_manager"]),
            (R_BUYER, "Bo Buyer", ["buyer"]),
        ),
    )
    today = await service_today(gateway)
    await seed_subscriptions(
        gateway,
        kafka_bootstrap,
        R_HEADERS,
        subscription(R_SUBS[0], R_CSN, today + timedelta(days=95)),
        subscription(R_SUBS[1], R_CSN, today + timedelta(days=94)),
        subscription(R_SUBS[2], R_CSN, today + timedelta(days=93), currency="USD"),
    )
    # The replicas' clocks first (the gateway moves the first processes'), so both race.
    clocks = (await gateway.get("/v1/dev/clock", headers=ALICE)).json()
    offset = max(c["offset_seconds"] for c in clocks) + int(timedelta(days=6).total_seconds())
    await set_clock(stack, replicas, offset)
    resp = await gateway.post("/v1/dev/clock/advance", json={"days": 6}, headers=ALICE)
    assert resp.status_code == 200, resp.text

    async def two() -> list[dict[str, Any]] | None:
        resp = await gateway.get("/v1/quotes", params={"origin": "automatic"}, headers=R_HEADERS)
        items = resp.json()["items"]
        return items if len(items) >= 2 else None

    return await eventually(two, timeout=60)  # type: ignore[no-any-return]


async def quote_sent_events(bootstrap: str) -> list[dict[str, Any]]:
    records = await read_topic(bootstrap, "quote-sent", min_count=1)
    found = [json.loads(r.value) for r in records]
    return [e for e in found if isinstance(e, dict) and e.get("data", {}).get("csn") == R_CSN]


async def test_two_replicas_make_one_quote_per_group_and_one_email_per_fact(
    gateway: httpx.AsyncClient, stack: Stack, replicas_window: list[dict[str, Any]]
) -> None:
    """R-QUO-8: one quote per group and one quote-sent each, with two quotes jobs racing;
    R-NOTE-5: one e-mail per fact and person with two notifications consumers and jobs, and
    still so after every event is replayed."""
    facts = {f"quote-sent:{q['id']}": [R_ADMIN, R_MANAGER] for q in replicas_window}
    for q in replicas_window:
        assert q["origin"] == "automatic"
    for sub_id in R_SUBS:
        facts[f"renewal-notice:{sub_id}:"] = [R_ADMIN, R_BUYER, R_MANAGER]
    for fact, people in facts.items():
        await wait_mails(stack, fact, len(people))
    await settled(stack.bootstrap_servers, TOPICS, pause=3.0)  # both jobs ran many times
    # One quote-sent per quote: one event identity each (delivery is at least once, and two
    # replicas' relays on one SQLite file may both send a row; consumers dedup on event_id).
    sent = await quote_sent_events(stack.bootstrap_servers)
    assert len({e["event_id"] for e in sent}) == 2
    assert sorted(e["data"]["quote_id"] for e in {e["event_id"]: e for e in sent}.values()) == (
        sorted(q["id"] for q in replicas_window)
    )
    for topic in TOPICS:
        await replay(stack.bootstrap_servers, topic)
    await settled(stack.bootstrap_servers, TOPICS, pause=3.0)

    resp = await gateway.get("/v1/quotes", params={"origin": "automatic"}, headers=R_HEADERS)
    assert sorted(q["id"] for q in resp.json()["items"]) == sorted(q["id"] for q in replicas_window)
    assert len(replicas_window) == 2
    sent = await quote_sent_events(stack.bootstrap_servers)
    assert {e["data"]["quote_id"] for e in sent} == {q["id"] for q in replicas_window}
    for fact, people in facts.items():
        assert recipients(mails(stack, fact)) == sorted(people), fact


P_CSN = new_csn()  # an account of its own: its automatic quote is the only one there
P_ADMIN = f"admin@{P_CSN}.example"
P_HEADERS = person(P_CSN, "primary_admin", P_ADMIN)
PARTNERED = new_id("sub-auto-partner")


async def test_a_partner_quote_sent_for_the_renewal_cancels_the_automatic_one(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-QUO-8 with R-QUO-3: the partner of record quotes the renewal itself; a draft changes
    nothing, sending it cancels the automatic quote, whose reason names the partner's quote."""
    await publish(kafka_bootstrap, customer(P_CSN), "invoicing")
    await publish_contacts(
        kafka_bootstrap, contacts(P_CSN, (P_ADMIN, "Pia Admin", ["primary_admin"]))
    )
    today = await service_today(gateway)
    # Its window opened 2 days ago: within the job's catch-up days, so it is quoted now.
    sub = subscription(PARTNERED, P_CSN, today + timedelta(days=88), partner_csn=PARTNER)
    await seed_subscriptions(gateway, kafka_bootstrap, P_HEADERS, sub)

    async def get(path: str) -> Any:
        resp = await gateway.get(path, headers=P_HEADERS)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def made() -> dict[str, Any] | None:
        items = (await get("/v1/quotes?origin=automatic"))["items"]
        return items[0] if items else None

    automatic = await eventually(made, timeout=60)
    assert (quoted(automatic), automatic["status"]) == ([PARTNERED], "sent")
    body = {"subscription_ids": [PARTNERED], "recipients": [P_ADMIN]}
    resp = await gateway.post("/v1/partner/quotes", json=body, headers=partner(P_CSN))
    assert resp.status_code == 201, resp.text
    theirs = resp.json()
    assert (await get(f"/v1/quotes/{automatic['id']}"))["status"] == "sent"  # a draft: no change
    resp = await gateway.post(f"/v1/partner/quotes/{theirs['id']}/send", headers=partner(P_CSN))
    assert resp.status_code == 200, resp.text
    withdrawn = await get(f"/v1/quotes/{automatic['id']}")
    assert withdrawn["status"] == "cancelled"
    assert theirs["number"] in withdrawn["cancellation_reason"]
