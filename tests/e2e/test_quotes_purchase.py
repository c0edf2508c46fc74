"""A renewal quote bought end to end over the real broker (R-QUO-2, R-SUB-12): create → send (a
consumer of quote-sent sees it) → accept (quote-accepted) → invoicing issues the invoice →
payments charges it → invoice-paid → the quoted subscriptions renew once each, one term from
their old renewal date. Uses the demo account kept for quotes (Lumen Studio, 5100000005)."""

from __future__ import annotations

import inspect
import json
from datetime import date
from typing import Any

import httpx
import pytest

from services.invoicing.entrypoints import consumers as invoicing_consumers
from shared.terms import TERM_MONTHS, add_months
from tests.e2e.quotes_support import LUMEN, person, renewal_groups, until_known
from tests.kafka_tools import eventually, read_topic

pytestmark = pytest.mark.slow

LEA = person(LUMEN, "primary_admin", "lea@lumen.example")
CAD, PDM = "sub-lumen-cad", "sub-lumen-pdm"
QUOTED = [CAD, PDM]


async def events_for(bootstrap: str, topic: str, key: str) -> list[dict[str, Any]]:
    records = await read_topic(bootstrap, topic, min_count=1)
    return [json.loads(r.value)["data"] for r in records if r.key == key.encode()]


async def subscription(gateway: httpx.AsyncClient, sub_id: str) -> dict[str, Any]:
    resp = await gateway.get(f"/v1/subscriptions/{sub_id}", headers=LEA)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def bought(gateway: httpx.AsyncClient, kafka_bootstrap: str) -> dict[str, Any]:
    """Lea quotes the renewal of two subscriptions, sends the quote and accepts it, paying
    with her saved card. Returns the subscriptions before, and the quote."""
    await until_known(gateway, LEA, QUOTED)  # quotes consumed the demo snapshots
    groups = await renewal_groups(gateway, LEA, QUOTED)
    assert groups["ineligible"] == [], groups  # subscriptions published their snapshots
    before = {sub_id: await subscription(gateway, sub_id) for sub_id in QUOTED}
    resp = await gateway.post(
        "/v1/quotes",
        json={"subscription_ids": QUOTED, "recipients": ["lea@lumen.example", "ap@lumen.example"]},
        headers=LEA,
    )
    assert resp.status_code == 201, resp.text
    quote = resp.json()
    # One seat fewer and a three-year term for CAD; PDM as it is.
    cad = {"subscription_id": CAD, "seats": before[CAD]["seats"] - 1, "term": "three_year"}
    resp = await gateway.patch(
        f"/v1/quotes/{quote['id']}", json={"subscription_ids": QUOTED, "lines": [cad]}, headers=LEA
    )
    assert resp.status_code == 200, resp.text
    assert [(li["subscription_id"], li["seats"], li["term"]) for li in resp.json()["lines"]] == [
        (CAD, cad["seats"], "three_year"),
        (PDM, before[PDM]["seats"], before[PDM]["term"]),
    ]
    resp = await gateway.post(f"/v1/quotes/{quote['id']}/send", headers=LEA)
    assert resp.status_code == 200, resp.text
    resp = await gateway.post(
        f"/v1/quotes/{quote['id']}/accept",
        json={"payment_method_id": "pm-lumen-visa"},
        headers=LEA,
    )
    assert resp.status_code == 200, resp.text
    return {"before": before, "quote": resp.json()}


async def test_sent_quote_is_seen_by_consumers_and_accepted_once(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, bought: dict[str, Any]
) -> None:
    """R-QUO-2: quote-sent reaches other systems; accepting publishes quote-accepted once with
    the renewals it pays for, accepting again is refused, and subscriptions hold those terms
    so that no automatic renewal pays them a second time."""
    quote, before = bought["quote"], bought["before"]
    assert quote["status"] == "accepted" and quote["payment_method_id"] == "pm-lumen-visa"
    [sent] = await eventually(lambda: events_for(kafka_bootstrap, "quote-sent", quote["id"]))
    assert sent["recipients"] == ["lea@lumen.example", "ap@lumen.example"]
    assert sent["total"] == quote["total"] and sent["expires_on"] == quote["expires_on"]

    again = await gateway.post(f"/v1/quotes/{quote['id']}/accept", headers=LEA)
    assert again.status_code == 409 and again.json()["code"] == "quote_already_accepted"
    [accepted] = await eventually(
        lambda: events_for(kafka_bootstrap, "quote-accepted", quote["id"])
    )
    assert {(li["subscription_id"], li["period_start"]) for li in accepted["lines"]} == {
        (sub_id, before[sub_id]["renewal_date"]) for sub_id in QUOTED
    }

    async def held() -> bool:
        """Held for the quote's order, or (once that invoice is paid) already renewed."""
        for sub_id in QUOTED:
            now, old = await subscription(gateway, sub_id), before[sub_id]["renewal_date"]
            if now["renewal_pending_for"] != old and now["renewal_date"] == old:
                return False
        return True

    await eventually(held)


async def test_accepted_quote_is_invoiced_paid_and_renews_each_subscription_once(
    gateway: httpx.AsyncClient, kafka_bootstrap: str, bought: dict[str, Any]
) -> None:
    """R-QUO-2: the accepted quote is invoiced at its prices and paid; the paid invoice renews
    each quoted subscription exactly once, from its old renewal date (R-SUB-12)."""
    if "QuoteAccepted" not in inspect.getsource(invoicing_consumers):
        pytest.skip("invoicing does not consume quote-accepted yet: no order nor invoice")
    quote, before = bought["quote"], bought["before"]

    async def paid_invoice() -> dict[str, Any] | None:
        page = (await gateway.get("/v1/invoices?limit=200", headers=LEA)).json()
        for invoice in page["items"]:
            if {line["subscription_id"] for line in invoice["lines"]} == set(QUOTED):
                return invoice if invoice["status"] == "paid" else None
        return None

    invoice = await eventually(paid_invoice, timeout=60)
    assert invoice["subtotal"] == quote["subtotal"] - quote["discount_total"]

    async def renewed() -> bool:
        for sub_id in QUOTED:
            now = await subscription(gateway, sub_id)
            if now["renewal_date"] == before[sub_id]["renewal_date"]:
                return False
        return True

    await eventually(renewed, timeout=60)
    sold = {li["subscription_id"]: li for li in quote["lines"]}
    for sub_id in QUOTED:
        old = date.fromisoformat(before[sub_id]["renewal_date"])
        now = await subscription(gateway, sub_id)
        # The term, seats and price the quote sold, from the old date (R-QUO-2, R-SUB-12).
        assert (now["term"], now["seats"], now["unit_price_amount"]) == (
            sold[sub_id]["term"],
            sold[sub_id]["seats"],
            sold[sub_id]["unit_price"],
        )
        assert now["renewal_date"] == add_months(old, TERM_MONTHS[now["term"]]).isoformat()
        renewals = await events_for(kafka_bootstrap, "subscription-renewed", sub_id)
        assert [r["previous_renewal_date"] for r in renewals] == [old.isoformat()]
