"""Quotes through the public gateway, one test per rule (R-QUO-1, R-QUO-3..7, R-ROLE-4).

Subscriptions and billing details reach the quotes service as snapshots on the real broker
(subscription-changed, customer-changed); these tests publish them for an account of their
own, so they neither depend on nor disturb the demo data other tests use."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from tests.e2e.quotes_support import (
    LUMEN,
    PARTNER,
    customer,
    days,
    new_csn,
    new_id,
    partner,
    person,
    publish,
    renewal_groups,
    seed_subscriptions,
    service_today,
    subscription,
)
from tests.kafka_tools import eventually, read_topic

CSN = new_csn()
ADMIN = person(CSN, "primary_admin")
MANAGER = person(CSN, "contract_manager")
BUYER = person(CSN, "buyer")
USER = person(CSN, "user")


@pytest.fixture(scope="module")
async def today(gateway: httpx.AsyncClient, kafka_bootstrap: str) -> date:
    """The account's billing address (Germany) is known to the quotes service: a quote's tax
    is estimated once, when it is drafted, so the tests wait until a draft shows it."""
    await publish(kafka_bootstrap, customer(CSN), "invoicing")
    probe = {
        "lines": [{"kind": "new", "product_code": "SIM", "seats": 1, "term": "annual"}],
        "currency": "EUR",
    }

    async def address_known() -> bool:
        resp = await gateway.post("/v1/quotes", json=probe, headers=ADMIN)
        assert resp.status_code == 201, resp.text
        return bool(resp.json()["tax_name"] == "Umsatzsteuer 19%")

    await eventually(address_known, timeout=30, interval=0.5)
    return await service_today(gateway)


async def seed(
    gateway: httpx.AsyncClient, bootstrap: str, today: date, *changes: dict[str, Any]
) -> list[str]:
    """Active subscriptions of the test account, renewing in 40 days unless told otherwise."""
    events = [
        subscription(new_id(), c.pop("csn", CSN), c.pop("renewal_date", today + days(40)), **c)
        for c in changes
    ]
    await seed_subscriptions(gateway, bootstrap, ADMIN, *events)
    return [e.subscription_id for e in events]


async def create(
    gateway: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> httpx.Response:
    return await gateway.post("/v1/quotes", json=body, headers=headers)


async def created(
    gateway: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    resp = await create(gateway, body, headers)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def refused(resp: httpx.Response, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["code"] == code, body
    return str(body["detail"])


# --- R-QUO-1 -----------------------------------------------------------------------------------
async def test_active_quotes_are_listed_by_origin_with_their_detail(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-1: all active quotes, partner or self-created, filterable by origin; the detail
    has lines, terms, quantities, prices, promotions, tax, totals, recipients, status, expiry."""
    own, theirs = await seed(gateway, kafka_bootstrap, today, {}, {"partner_csn": PARTNER})
    mine = await created(gateway, {"subscription_ids": [own], "recipients": ["cfo@x.example"]})
    resp = await gateway.post(
        "/v1/partner/quotes",
        json={"subscription_ids": [theirs], "recipients": ["cfo@x.example"]},
        headers=partner(CSN),
    )
    assert resp.status_code == 201, resp.text
    partner_quote = resp.json()

    async def listed(origin: str | None = None) -> set[str]:
        params = {"limit": 200, **({"origin": origin} if origin else {})}
        page = await gateway.get("/v1/quotes", params=params, headers=ADMIN)
        assert page.status_code == 200, page.text
        return {q["id"] for q in page.json()["items"]}

    assert {mine["id"], partner_quote["id"]} <= await listed()
    assert mine["id"] in await listed("self_service")
    assert partner_quote["id"] not in await listed("self_service")
    assert partner_quote["id"] in await listed("partner")
    assert await listed("automatic") == set()

    detail = (await gateway.get(f"/v1/quotes/{mine['id']}", headers=ADMIN)).json()
    [line] = detail["lines"]
    assert (line["subscription_id"], line["seats"], line["term"]) == (own, 5, "annual")
    assert line["unit_price"] == 189_000 and line["list_amount"] == 945_000
    assert detail["status"] == "draft" and detail["recipients"] == ["cfo@x.example"]
    assert detail["tax_name"] == "Umsatzsteuer 19%"
    assert detail["total"] == detail["subtotal"] - detail["discount_total"] + detail["tax"]

    # A plain user sees no billing data (R-ROLE-1); another account sees no such quote.
    refused(await gateway.get("/v1/quotes", headers=USER), 403, "forbidden")
    other = person(new_csn(), "primary_admin")
    refused(await gateway.get(f"/v1/quotes/{mine['id']}", headers=other), 404, "quote_not_found")


# --- R-QUO-4 -----------------------------------------------------------------------------------
async def test_self_service_renewal_quote_from_a_group_is_sent_to_four_recipients(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-4: the selection comes back grouped by CSN, currency and purchase method (with the
    ineligible ones and why); pick a group, untick one, check term and seats, up to four
    recipients, send: quote-sent carries the recipients, totals and expiry."""
    a, b, c, online, trial = await seed(
        gateway,
        kafka_bootstrap,
        today,
        {},
        {"seats": 3},
        {"term": "monthly", "unit_price": 18_900, "renewal_date": today + days(20)},
        {"purchase_method": "online_direct"},
        {"status": "trial"},
    )
    body = await renewal_groups(gateway, ADMIN, [a, b, c, online, trial])
    groups = {g["purchase_method"]: g for g in body["groups"]}
    assert {s["subscription_id"] for s in groups["quote"]["subscriptions"]} == {a, b, c}
    assert [s["subscription_id"] for s in groups["online_direct"]["subscriptions"]] == [online]
    assert groups["quote"]["currency"] == "EUR" and groups["quote"]["csn"] == CSN
    assert [(i["subscription_id"], i["code"]) for i in body["ineligible"]] == [
        (trial, "subscription_not_active")
    ]

    five = [f"r{i}@x.example" for i in range(5)]
    refused(
        await create(gateway, {"subscription_ids": [a, b], "recipients": five}),
        422,
        "too_many_recipients",
    )
    quote = await created(
        gateway,
        {
            "subscription_ids": [a, b],  # c left out
            "lines": [{"subscription_id": b, "seats": 2, "term": "three_year"}],
            "recipients": five[:4],
        },
    )
    assert [(li["subscription_id"], li["seats"], li["term"]) for li in quote["lines"]] == [
        (a, 5, "annual"),
        (b, 2, "three_year"),
    ]
    resp = await gateway.post(f"/v1/quotes/{quote['id']}/send", headers=ADMIN)
    assert resp.status_code == 200, resp.text
    sent = resp.json()
    assert sent["status"] == "sent"
    assert date.fromisoformat(sent["expires_on"]) == today + days(30)

    async def published() -> list[dict[str, Any]]:
        records = await read_topic(kafka_bootstrap, "quote-sent", min_count=1)
        return [json.loads(r.value)["data"] for r in records if r.key == quote["id"].encode()]

    [event] = await eventually(published)
    assert event["recipients"] == five[:4]
    assert (event["subtotal"], event["discount_total"], event["tax"], event["total"]) == (
        sent["subtotal"],
        sent["discount_total"],
        sent["tax"],
        sent["total"],
    )
    assert event["expires_on"] == sent["expires_on"]
    assert [li["subscription_id"] for li in event["lines"]] == [a, b]

    resp = await gateway.post(f"/v1/quotes/{quote['id']}/send", headers=ADMIN)
    refused(resp, 409, "quote_not_draft")


async def test_buyer_quotes_a_single_subscription_from_its_page(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-ROLE-4: buyers may create a self-service renewal quote for one subscription, not a
    group; plain users create none."""
    one, two = await seed(gateway, kafka_bootstrap, today, {}, {})
    quote = await created(
        gateway, {"subscription_ids": [one], "recipients": ["bea@x.example"]}, BUYER
    )
    assert quote["created_by"] == f"buyer@{CSN}.example"
    resp = await gateway.post(f"/v1/quotes/{quote['id']}/send", headers=BUYER)
    assert resp.status_code == 200, resp.text

    resp = await create(gateway, {"subscription_ids": [one, two]}, BUYER)
    refused(resp, 403, "buyer_quotes_one_subscription")
    refused(await create(gateway, {"subscription_ids": [two]}, USER), 403, "forbidden")
    assert (await create(gateway, {"subscription_ids": [two]}, MANAGER)).status_code == 201


# --- R-QUO-5 -----------------------------------------------------------------------------------
async def test_quote_eligibility_rules(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-5: renewals are not mixed with new or co-term lines; one customer CSN, currency
    and (when one is involved) agent of record; only active subscriptions; renewal lines
    start on the current renewal date."""
    eur, usd, agent, expired = await seed(
        gateway,
        kafka_bootstrap,
        today,
        {},
        {"currency": "USD", "unit_price": 199_000},
        {"partner_csn": PARTNER},
        {"status": "expired"},
    )
    new_line = {"kind": "new", "product_code": "SIM", "seats": 1, "term": "annual"}
    cases = [
        ({"subscription_ids": [eur], "lines": [new_line]}, "renewal_mixed_with_new_or_coterm"),
        ({"subscription_ids": [eur, usd]}, "mixed_currencies"),
        ({"subscription_ids": [eur, agent]}, "mixed_partners"),
        ({"subscription_ids": [expired]}, "subscription_not_active"),
    ]
    for body, code in cases:
        detail = refused(await create(gateway, body), 422, code)
        assert "quote" in detail.lower() or "buy" in detail.lower()
    # Another account's subscription does not exist for this one.
    resp = await create(gateway, {"subscription_ids": [eur]}, person(new_csn(), "primary_admin"))
    refused(resp, 404, "subscription_not_found")

    quote = await created(gateway, {"subscription_ids": [eur]})
    assert quote["lines"][0]["period_start"] == (today + days(40)).isoformat()
    new_only = await created(gateway, {"lines": [new_line], "currency": "EUR"})
    assert new_only["lines"][0]["kind"] == "new" and new_only["lines"][0]["unit_price"] == 99_000


async def test_a_renewal_on_a_sent_quote_cannot_be_quoted_again(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-5: one renewal, one live quote; otherwise it could be bought twice."""
    [sub] = await seed(gateway, kafka_bootstrap, today, {})
    first = await created(gateway, {"subscription_ids": [sub], "recipients": ["a@x.example"]})
    assert (await gateway.post(f"/v1/quotes/{first['id']}/send", headers=ADMIN)).status_code == 200
    body = await renewal_groups(gateway, ADMIN, [sub])
    assert [i["code"] for i in body["ineligible"]] == ["subscription_already_quoted"]
    detail = refused(
        await create(gateway, {"subscription_ids": [sub]}), 422, "subscription_already_quoted"
    )
    assert first["number"] in detail


# --- R-QUO-6 -----------------------------------------------------------------------------------
async def test_each_change_a_quote_does_not_allow_is_refused_with_its_own_code(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-6: currency change, adding seats, success plan or value-based option, new credit
    line, planned start date, address change after sending, cancellation by the customer:
    each refused with a stable code and a message saying what to do instead."""
    [sub] = await seed(gateway, kafka_bootstrap, today, {})
    renewal = {"subscription_id": sub}
    quote = await created(gateway, {"subscription_ids": [sub], "recipients": ["a@x.example"]})
    path = f"/v1/quotes/{quote['id']}"
    attempts = [
        ({"currency": "USD"}, "currency_change_not_allowed", "currency"),
        ({"lines": [{**renewal, "seats": 6}]}, "seat_addition_not_allowed", "add"),
        (
            {"lines": [{**renewal, "purchase_option": "success_plan"}]},
            "purchase_option_not_allowed",
            "partner",
        ),
        (
            {"lines": [{**renewal, "purchase_option": "value_based"}]},
            "purchase_option_not_allowed",
            "partner",
        ),
        ({"new_credit_line": True}, "new_credit_line_not_allowed", "payment"),
        (
            {"start_date": (today + days(60)).isoformat()},
            "planned_start_date_not_allowed",
            "remove start_date",
        ),
    ]
    for change, code, advice in attempts:
        detail = refused(await gateway.patch(path, json=change, headers=ADMIN), 422, code)
        assert advice in detail.lower(), detail
        detail = refused(await create(gateway, {"subscription_ids": [sub], **change}), 422, code)

    # Fewer seats and another term are fine on a draft.
    resp = await gateway.patch(path, json={"lines": [{**renewal, "seats": 2}]}, headers=ADMIN)
    assert resp.status_code == 200 and resp.json()["lines"][0]["seats"] == 2, resp.text
    paris = {"line1": "1 rue de Rivoli", "city": "Paris", "country": "FR"}
    resp = await gateway.patch(path, json={"billing_address": paris}, headers=ADMIN)
    assert resp.status_code == 200 and resp.json()["tax_name"] == "TVA 20%", resp.text

    assert (await gateway.post(f"{path}/send", headers=ADMIN)).status_code == 200
    berlin = {**paris, "city": "Berlin", "country": "DE"}
    resp = await gateway.patch(path, json={"billing_address": berlin}, headers=ADMIN)
    assert "new quote" in refused(resp, 422, "address_change_after_sending_not_allowed")
    resp = await gateway.post(f"{path}/cancel", headers=ADMIN)
    assert "partner" in refused(resp, 403, "quote_cancellation_not_allowed")
    assert (await gateway.get(path, headers=ADMIN)).json()["status"] == "sent"


# --- R-QUO-7 -----------------------------------------------------------------------------------
async def test_promotions_are_applied_by_rule_and_shown_per_line(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-7: the promotions table applies by itself — three-year terms 10% off
    (MULTIYEAR-10), CAD Pro renewals 5% off during 2026-2027 (CAD-LOYALTY-5) — each shown on
    its line with its code and amount; other lines are untouched."""
    cad, render = await seed(
        gateway,
        kafka_bootstrap,
        today,
        {},
        {"product_code": "RENDER", "product_name": "Render Cloud", "unit_price": 49_000},
    )
    quote = await created(
        gateway,
        {
            "subscription_ids": [cad, render],
            "lines": [{"subscription_id": cad, "term": "three_year"}],
        },
    )
    cad_line, render_line = quote["lines"]
    loyalty = date(2026, 1, 1) <= date.fromisoformat(quote["priced_on"]) <= date(2027, 12, 31)
    codes = [p["code"] for p in cad_line["promotions"]]
    assert codes == (["CAD-LOYALTY-5", "MULTIYEAR-10"] if loyalty else ["MULTIYEAR-10"])
    gross = 5 * 510_300  # three years of CAD Pro in EUR, from the price list (catalog.json)
    assert (cad_line["unit_price"], cad_line["list_amount"]) == (510_300, gross)
    after_loyalty = gross - (gross * 5 + 50) // 100 if loyalty else gross
    assert cad_line["amount"] == after_loyalty - (after_loyalty * 10 + 50) // 100
    assert cad_line["discount"] == sum(p["amount"] for p in cad_line["promotions"])
    assert render_line["promotions"] == [] and render_line["discount"] == 0
    assert quote["discount_total"] == cad_line["discount"]


# --- R-QUO-3 -----------------------------------------------------------------------------------
async def test_partner_quotes_for_its_customer_to_contacts_plus_five_and_may_cancel(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """R-QUO-3: a partner quotes the subscriptions it is agent of record of, for any contact
    of the company plus up to five additional recipients, and cancels its own quotes; other
    partners see nothing (404, as for what does not exist)."""
    lumen_admin = person(LUMEN, "primary_admin", "lea@lumen.example")
    ours = subscription(new_id(), LUMEN, today + days(45), partner_csn=PARTNER)
    direct = subscription(new_id(), LUMEN, today + days(45))
    await seed_subscriptions(gateway, kafka_bootstrap, lumen_admin, ours, direct)
    contacts = ["lea@lumen.example", "marc@lumen.example", "ines@lumen.example"]
    outside = [f"buyer{i}@procurement.example" for i in range(5)]

    body = {"subscription_ids": [ours.subscription_id], "recipients": [*contacts, *outside]}
    resp = await gateway.post("/v1/partner/quotes", json=body, headers=partner(LUMEN))
    assert resp.status_code == 201, resp.text
    quote = resp.json()
    assert (quote["origin"], quote["partner_csn"]) == ("partner", PARTNER)
    assert len(quote["recipients"]) == 8

    six = {**body, "recipients": [*contacts, *outside, "sixth@procurement.example"]}
    resp = await gateway.post("/v1/partner/quotes", json=six, headers=partner(LUMEN))
    refused(resp, 422, "too_many_additional_recipients")

    # Not agent of record: the subscription is as unknown as one that does not exist.
    for unknown in (direct.subscription_id, new_id()):
        resp = await gateway.post(
            "/v1/partner/quotes", json={"subscription_ids": [unknown]}, headers=partner(LUMEN)
        )
        assert refused(resp, 404, "subscription_not_found") == (
            f"No subscription {unknown} in this account."
        )
    stranger = partner(LUMEN, "7700000999")
    refused(
        await gateway.post("/v1/partner/quotes", json=body, headers=stranger),
        404,
        "customer_not_found",
    )
    refused(
        await gateway.get(f"/v1/quotes/{quote['id']}", headers=stranger), 404, "quote_not_found"
    )
    # A partner token without its partner CSN is refused at the door.
    resp = await gateway.post("/v1/partner/quotes", json=body, headers=partner(LUMEN, None))
    assert "partner_csn" in refused(resp, 401, "unauthenticated")
    refused(
        await gateway.post("/v1/partner/quotes", json=body, headers=lumen_admin), 403, "forbidden"
    )

    sent = await gateway.post(f"/v1/partner/quotes/{quote['id']}/send", headers=partner(LUMEN))
    assert sent.status_code == 200, sent.text
    seen = await gateway.get(f"/v1/quotes/{quote['id']}", headers=lumen_admin)
    assert seen.json()["status"] == "sent"
    refused(
        await gateway.post(f"/v1/quotes/{quote['id']}/cancel", headers=lumen_admin),
        403,
        "quote_cancellation_not_allowed",
    )
    resp = await gateway.post(f"/v1/partner/quotes/{quote['id']}/cancel", headers=partner(LUMEN))
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled", resp.text
    page = await gateway.get("/v1/quotes", params={"limit": 200}, headers=lumen_admin)
    assert quote["id"] not in {q["id"] for q in page.json()["items"]}


# --- projections -------------------------------------------------------------------------------
async def test_the_newest_subscription_snapshot_is_what_quotes_see(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, today: date
) -> None:
    """subscription-changed is a snapshot: a later one replaces what quotes knew (here the
    subscription was cancelled, so it can no longer be quoted)."""
    [sub] = await seed(gateway, kafka_bootstrap, today, {})
    cancelled = subscription(sub, CSN, today + days(40), status="cancelled")
    await publish(kafka_bootstrap, cancelled, "subscriptions")

    async def refused_now() -> bool:
        body = await renewal_groups(gateway, ADMIN, [sub])
        return [i["code"] for i in body["ineligible"]] == ["subscription_not_active"]

    await eventually(refused_now)
