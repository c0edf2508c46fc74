"""Automatic renewal end to end over real processes, the real broker and PostgreSQL
(R-SUB-5, R-SUB-12, R-PAY-4): sweep → renewal-requested → invoice-issued → charge →
payment-succeeded → invoice-paid → subscription-renewed."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

import httpx
import pytest

from shared.infra.stack import Stack
from shared.terms import add_months
from tests.e2e.conftest import ALICE, NORA, UMA
from tests.e2e.observability_support import SERVICE_NAMES, sample, samples, scrape
from tests.kafka_tools import consumers_caught_up, envelopes, eventually, publish_raw, read_topic

pytestmark = pytest.mark.slow


async def get_json(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    resp = await client.get(path, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def subscription(
    client: httpx.AsyncClient, sub_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    return await get_json(client, f"/v1/subscriptions/{sub_id}", headers)  # type: ignore[no-any-return]


async def invoices_for(
    client: httpx.AsyncClient, sub_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    page = await get_json(client, "/v1/invoices?limit=200", headers)
    return [
        i for i in page["items"] if any(line["subscription_id"] == sub_id for line in i["lines"])
    ]


async def advance_days(client: httpx.AsyncClient, days: int) -> None:
    resp = await client.post("/v1/dev/clock/advance", json={"days": days}, headers=ALICE)
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
async def before_renewal(gateway: httpx.AsyncClient, stack: Stack) -> dict[str, dict[str, Any]]:
    """Demo data: sub-acme-cad (annual, card OK) is due in 3 days, sub-bh-cad (declined card)
    in 5, sub-acme-render (monthly) in 12. Move every clock 6 days forward."""
    before = {
        "sub-acme-cad": await subscription(gateway, "sub-acme-cad", ALICE),
        "sub-acme-render": await subscription(gateway, "sub-acme-render", ALICE),
        "sub-bh-cad": await subscription(gateway, "sub-bh-cad", NORA),
    }
    await advance_days(gateway, 6)

    async def still_missing() -> dict[str, Any] | None:
        """Each service has applied what it consumes: subscriptions the renewal and the
        payment error, invoicing the failed payment (on its own consumer). What is still
        missing is returned, so a timeout says which step never happened."""
        acme = await subscription(gateway, "sub-acme-cad", ALICE)
        bh = await subscription(gateway, "sub-bh-cad", NORA)
        bh_invoices = await invoices_for(gateway, "sub-bh-cad", NORA)
        missing = {
            "sub-acme-cad renewed": acme["renewal_date"] == before["sub-acme-cad"]["renewal_date"],
            "sub-bh-cad payment_error": bh["payment_error"] is None,
            "sub-bh-cad invoice last_payment_error": not any(
                i["last_payment_error"] is not None for i in bh_invoices
            ),
        }
        return None if not any(missing.values()) else {"missing": missing, "bh": bh, "acme": acme}

    async def settled() -> bool:
        return await still_missing() is None

    try:
        await eventually(settled, timeout=60)
    except AssertionError:
        state = await still_missing()
        clocks = (await gateway.get("/v1/dev/clock", headers=ALICE)).json()
        raise AssertionError(
            f"renewals never settled: {state!r}\nclocks: {clocks!r}\n{error_lines(stack)}"
        ) from None
    return before


def error_lines(stack: Stack, limit: int = 40) -> str:
    """The services' ERROR/CRITICAL log lines, for a failure message that explains itself."""
    lines = []
    for log in sorted(stack.log_dir.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if re.search(r"\b(ERROR|CRITICAL)\b", line, re.IGNORECASE):
                lines.append(f"{log.name}: {line[:300]}")
    return "\n".join(lines[-limit:]) or "no ERROR line in the services' logs"


async def test_due_auto_renew_subscription_is_renewed_once_by_one_term(
    gateway: httpx.AsyncClient, before_renewal: dict[str, dict[str, Any]], kafka_bootstrap: str
) -> None:
    old = date.fromisoformat(before_renewal["sub-acme-cad"]["renewal_date"])
    await asyncio.sleep(2)  # several sweep rounds: a renewed subscription is not asked again
    sub = await subscription(gateway, "sub-acme-cad", ALICE)
    assert sub["renewal_date"] == add_months(old, 12).isoformat()  # from the old date (R-SUB-12)
    assert sub["payment_error"] is None and sub["renewal_pending_for"] is None

    invoices = await invoices_for(gateway, "sub-acme-cad", ALICE)
    assert len(invoices) == 1
    invoice = invoices[0]
    assert invoice["status"] == "paid" and invoice["amount_due"] == 0
    # 10 seats x 1,890.00 EUR, German VAT 19% on the line: 18,900.00 + 3,591.00 (R-INV-5)
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (
        1_890_000,
        359_100,
        2_249_100,
    )
    assert invoice["lines"][0]["period_start"] == old.isoformat()
    assert "Berlin" in invoice["bill_to"]

    charges = await get_json(gateway, f"/v1/charges?invoice_id={invoice['id']}", ALICE)
    assert [c["status"] for c in charges["items"]] == ["succeeded"]
    assert charges["items"][0]["amount"] == 2_249_100

    renewed = [
        e
        for e in envelopes(await read_topic(kafka_bootstrap, "subscription-renewed", min_count=1))
        if e["key"] == "sub-acme-cad"
    ]
    assert len(renewed) == 1
    assert renewed[0]["data"]["previous_renewal_date"] == old.isoformat()


async def test_declined_card_ends_in_payment_error_and_nothing_is_renewed(
    gateway: httpx.AsyncClient, before_renewal: dict[str, dict[str, Any]], kafka_bootstrap: str
) -> None:
    sub = await subscription(gateway, "sub-bh-cad", NORA)
    assert sub["payment_error"] == "card_declined"  # R-PAY-4: shown until a payment succeeds
    assert sub["renewal_date"] == before_renewal["sub-bh-cad"]["renewal_date"]

    invoices = await invoices_for(gateway, "sub-bh-cad", NORA)
    assert len(invoices) == 1
    assert invoices[0]["status"] == "open" and invoices[0]["last_payment_error"] == "card_declined"
    # New York City combined sales tax, 8.875% of 4 x 1,990.00 USD = 706.45
    assert invoices[0]["tax"] == 70_645

    failed = [
        e["data"]
        for e in envelopes(await read_topic(kafka_bootstrap, "payment-failed", min_count=1))
        if e["data"]["invoice_id"] == invoices[0]["id"]
    ]
    assert [f["reason"] for f in failed] == ["card_declined"]
    assert failed[0]["subscription_ids"] == ["sub-bh-cad"]


async def test_subscription_not_yet_due_is_left_alone(
    gateway: httpx.AsyncClient, before_renewal: dict[str, dict[str, Any]]
) -> None:
    sub = await subscription(gateway, "sub-acme-render", ALICE)
    assert sub["renewal_date"] == before_renewal["sub-acme-render"]["renewal_date"]
    assert await invoices_for(gateway, "sub-acme-render", ALICE) == []


async def test_redelivered_events_change_nothing_the_second_time(
    gateway: httpx.AsyncClient, before_renewal: dict[str, dict[str, Any]], kafka_bootstrap: str
) -> None:
    renewal_date = (await subscription(gateway, "sub-acme-cad", ALICE))["renewal_date"]
    topics = ["renewal-requested", "invoice-issued", "payment-succeeded", "invoice-paid"]
    for topic in topics:
        records = await read_topic(kafka_bootstrap, topic, min_count=1)
        for record in records:  # the very same bytes, same event_id, published again
            await publish_raw(kafka_bootstrap, topic, record.value, key=record.key)
    # Every consumer of those topics has handled the copies (committed to the end).
    await eventually(lambda: consumers_caught_up(kafka_bootstrap, topics), timeout=60, interval=1)
    await asyncio.sleep(1)  # what a handler published is relayed from its outbox

    assert (await subscription(gateway, "sub-acme-cad", ALICE))["renewal_date"] == renewal_date
    invoices = await invoices_for(gateway, "sub-acme-cad", ALICE)
    assert len(invoices) == 1
    charges = await get_json(gateway, f"/v1/charges?invoice_id={invoices[0]['id']}", ALICE)
    assert len(charges["items"]) == 1
    renewed = envelopes(await read_topic(kafka_bootstrap, "subscription-renewed", min_count=1))
    assert len([e for e in renewed if e["key"] == "sub-acme-cad"]) == 1
    paid = envelopes(await read_topic(kafka_bootstrap, "invoice-paid", min_count=1))
    assert len({e["event_id"] for e in paid if e["key"] == invoices[0]["id"]}) == 1


async def test_malformed_event_is_dead_lettered_and_the_consumer_goes_on(
    gateway: httpx.AsyncClient, before_renewal: dict[str, dict[str, Any]], kafka_bootstrap: str
) -> None:
    await publish_raw(kafka_bootstrap, "invoice-paid", b'{"not": "an envelope"', key=b"garbage")

    async def parked() -> dict[str, list[dict[str, Any]]]:  # each consumer parks its own copy
        records = await read_topic(kafka_bootstrap, "invoice-paid.dlq", timeout=3)
        by_group: dict[str, list[dict[str, Any]]] = {}
        for e in envelopes(records):
            if e["data"]["payload"] == '{"not": "an envelope"':
                by_group.setdefault(e["data"]["consumer_group"], []).append(e)
        return by_group if "subscriptions" in by_group else {}

    dead = (await eventually(parked, timeout=20))["subscriptions"][0]
    assert "invalid envelope" in dead["data"]["error"]

    # The same consumer still renews: sub-acme-render (monthly) falls due after 7 more days.
    old = date.fromisoformat(before_renewal["sub-acme-render"]["renewal_date"])
    await advance_days(gateway, 7)

    async def render_renewed() -> bool:
        sub = await subscription(gateway, "sub-acme-render", ALICE)
        return sub["renewal_date"] == add_months(old, 1).isoformat()

    await eventually(render_renewed, timeout=45)


async def test_metrics_count_the_renewals_and_settle_at_no_backlog_and_no_lag(
    before_renewal: dict[str, dict[str, Any]], stack: Stack
) -> None:
    """What an operator scrapes after a renewal wave (issue 15): renewals requested, renewed
    and failed (sub-bh-cad's declined card), charges by outcome, the parked malformed message,
    and, once all is handled, no outbox backlog and no consumer lag in any service."""
    subscriptions = scrape(stack.url("subscriptions"))
    assert sum(samples(subscriptions, "billing_renewals_requested_total", kind="automatic")) >= 2
    assert (sample(subscriptions, "billing_renewals_renewed_total") or 0) >= 1
    assert sum(samples(subscriptions, "billing_renewals_failed_total", reason="card_declined")) >= 1
    payments = scrape(stack.url("payments"))
    assert (sample(payments, "billing_charges_total", outcome="succeeded") or 0) >= 1
    assert (
        sample(payments, "billing_charges_total", outcome="failed", reason="card_declined") or 0
    ) >= 1

    async def settled() -> dict[str, float]:
        left = {}
        for name in SERVICE_NAMES:
            text = scrape(stack.url(name))
            left[name] = (sample(text, "outbox_unpublished_rows", service=name) or 0) + sum(
                samples(text, "consumer_lag_messages")
            )
        return left if not any(left.values()) else {}

    await eventually(settled, timeout=60)


async def test_another_account_cannot_see_a_subscription(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/v1/subscriptions/sub-acme-cad", headers=NORA)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "subscription_not_found"


async def test_plain_user_sees_only_assigned_subscriptions_and_no_invoices(
    gateway: httpx.AsyncClient,
) -> None:
    page = await get_json(gateway, "/v1/subscriptions", UMA)
    assert [s["id"] for s in page["items"]] == ["sub-acme-cad"]
    assert (await gateway.get("/v1/invoices", headers=UMA)).status_code == 403


async def test_request_without_token_is_refused(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/v1/subscriptions")
    assert resp.status_code == 401
    assert resp.json()["code"] == "unauthenticated"
