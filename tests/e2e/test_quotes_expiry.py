"""A sent quote expires after its validity and can no longer be bought (R-QUO-1, R-QUO-2).

Moves the shared dev clock forward by two days (the partner's quote is valid one day)."""

from __future__ import annotations

from datetime import date

import httpx

from tests.e2e.quotes_support import (
    PARTNER,
    customer,
    days,
    new_csn,
    new_id,
    partner,
    person,
    publish,
    seed_subscriptions,
    service_today,
    subscription,
)

CSN = new_csn()
ADMIN = person(CSN, "primary_admin")


async def test_expired_quote_is_no_longer_active_and_cannot_be_accepted(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-QUO-2: accepting an expired quote is refused with its own code; R-QUO-1: it leaves
    the list of active quotes."""
    today = await service_today(gateway)
    await publish(kafka_bootstrap, customer(CSN), "invoicing")
    sub = subscription(new_id(), CSN, today + days(60), partner_csn=PARTNER)
    await seed_subscriptions(gateway, kafka_bootstrap, ADMIN, sub)
    body = {
        "subscription_ids": [sub.subscription_id],
        "recipients": ["cfo@x.example"],
        "validity_days": 1,
    }
    resp = await gateway.post("/v1/partner/quotes", json=body, headers=partner(CSN))
    assert resp.status_code == 201, resp.text
    quote = resp.json()
    path = f"/v1/quotes/{quote['id']}"

    resp = await gateway.post(f"{path}/accept", headers=ADMIN)
    assert resp.status_code == 409 and resp.json()["code"] == "quote_not_sent", resp.text
    resp = await gateway.post(f"/v1/partner/quotes/{quote['id']}/send", headers=partner(CSN))
    assert resp.status_code == 200, resp.text
    expires_on = date.fromisoformat(resp.json()["expires_on"])
    assert expires_on == today + days(1)

    advance = await gateway.post("/v1/dev/clock/advance", json={"days": 2}, headers=ADMIN)
    assert advance.status_code == 200, advance.text
    assert await service_today(gateway) > expires_on

    detail = (await gateway.get(path, headers=ADMIN)).json()
    assert detail["status"] == "expired"
    page = (await gateway.get("/v1/quotes", params={"limit": 200}, headers=ADMIN)).json()
    assert quote["id"] not in {q["id"] for q in page["items"]}
    resp = await gateway.post(f"{path}/accept", headers=ADMIN)
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "quote_expired"
    assert "new quote" in resp.json()["detail"]
