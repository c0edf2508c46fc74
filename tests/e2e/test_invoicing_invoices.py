"""Invoices (R-INV-1) and paying them from the invoices tab (R-INV-2), through the gateway;
payments' answers are published on the real broker as payments publishes them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx

from tests.e2e.conftest import NORA
from tests.e2e.invoicing_support import (
    events_for,
    get_ok,
    new_account,
    open_invoice,
    paid,
    pay,
    publish,
    republish,
    saved_card,
    wait_for_invoice,
)
from tests.kafka_tools import envelopes, eventually, read_topic


async def test_an_invoice_shows_lines_totals_net_terms_and_the_billing_address_r_inv_1(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-1: lines, subtotal, tax, total, amount due, currency, issue and due dates from
    net terms, sequential number, and the address as it was when issued."""
    account = await new_account(gateway, name="Detail GmbH")
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(3, 4_900), (1, 12_345)])

    assert invoice["number"] == f"{account.csn}-000001"
    assert [
        (x["position"], x["quantity"], x["amount"], x["tax_rate"]) for x in invoice["lines"]
    ] == [
        (1, 3, 14_700, "0.19"),
        (2, 1, 12_345, "0.19"),
    ]
    # 147.00 → 27.93 and 123.45 → 23.4555 → 23.46: rounded per line, then summed (R-INV-5)
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (27_045, 5_139, 32_184)
    assert invoice["amount_due"] == 32_184 and invoice["currency"] == "EUR"
    assert invoice["status"] == "open" and invoice["tax_name"] == "Umsatzsteuer 19%"
    issued = date.fromisoformat(invoice["issue_date"])
    assert invoice["due_date"] == (issued + timedelta(days=30)).isoformat()
    assert invoice["bill_to"].splitlines()[:2] == ["Detail GmbH", "Friedrichstrasse 68"]
    assert "10117 Berlin" in invoice["bill_to"]


async def test_invoices_are_listed_by_status_r_inv_1(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-1: open, paid and cancelled; overdue only once the due date has passed."""
    account = await new_account(gateway)
    to_pay = await open_invoice(gateway, kafka_bootstrap, account, [(1, 1_000)])
    to_cancel = await open_invoice(gateway, kafka_bootstrap, account, [(1, 2_000)])
    still_open = await open_invoice(gateway, kafka_bootstrap, account, [(1, 3_000)])
    await publish(kafka_bootstrap, paid(to_pay, to_pay["total"]), "payments")
    await wait_for_invoice(gateway, account, to_pay["id"], status="paid")
    resp = await gateway.post(
        f"/v1/invoices/{to_cancel['id']}/cancellation",
        json={"reason": "Ordered twice"},
        headers=account.agent,
    )
    assert resp.status_code == 200, resp.text

    async def listed(status: str) -> list[str]:
        page = await get_ok(gateway, f"/v1/invoices?status={status}", account.admin)
        return [i["id"] for i in page["items"]]

    assert await listed("paid") == [to_pay["id"]]
    assert await listed("cancelled") == [to_cancel["id"]]
    assert await listed("open") == [still_open["id"]]
    assert await listed("overdue") == []  # due in 30 days
    bad = await gateway.get("/v1/invoices?status=late", headers=account.admin)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


async def test_a_billing_agent_cancels_an_open_unpaid_invoice_and_no_one_else_can_r_inv_1(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-1: issued invoices are never edited; an open one nothing was paid on can be
    cancelled (invoice-cancelled tells payments to stop collecting); a part-paid one needs a
    credit note instead."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(2, 5_000)])
    path = f"/v1/invoices/{invoice['id']}/cancellation"
    for who in (account.admin, account.buyer):
        refused = await gateway.post(path, json={"reason": "x"}, headers=who)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    resp = await gateway.post(path, json={"reason": "Ordered twice"}, headers=account.agent)
    assert resp.status_code == 200, resp.text
    cancelled = resp.json()
    assert (cancelled["status"], cancelled["amount_due"]) == ("cancelled", 0)
    assert cancelled["cancellation_reason"] == "Ordered twice"
    assert cancelled["total"] == invoice["total"] and cancelled["lines"] == invoice["lines"]
    again = await gateway.post(path, json={"reason": "again"}, headers=account.agent)
    assert again.status_code == 409 and again.json()["code"] == "invoice_not_open"
    order = await get_ok(gateway, f"/v1/orders/{invoice['order_id']}", account.admin)
    assert order["status"] == "cancelled"
    [event] = await eventually(
        lambda: events_for(kafka_bootstrap, "invoice-cancelled", invoice["id"])
    )
    assert event["data"]["reason"] == "Ordered twice"

    part_paid = await open_invoice(gateway, kafka_bootstrap, account, [(1, 5_000)])
    await publish(kafka_bootstrap, paid(part_paid, 1_000), "payments")
    await wait_for_invoice(gateway, account, part_paid["id"], amount_paid=1_000)
    refused = await gateway.post(
        f"/v1/invoices/{part_paid['id']}/cancellation",
        json={"reason": "wrong"},
        headers=account.agent,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "invoice_partially_paid"


async def test_an_invoice_of_another_account_is_not_found_r_inv_1(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 1_000)])
    for method, path in (
        ("GET", f"/v1/invoices/{invoice['id']}"),
        ("POST", f"/v1/invoices/{invoice['id']}/payments"),
    ):
        body = {"payment_method_id": "pm-bh-amex"} if method == "POST" else None
        resp = await gateway.request(method, path, json=body, headers=NORA)
        assert resp.status_code == 404 and resp.json()["code"] == "invoice_not_found"
    assert (await gateway.get("/v1/invoices", headers=account.user)).status_code == 403


async def test_paying_an_open_invoice_in_two_parts_through_payments_r_inv_2(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-2: each payment is a pending request (202) and invoice-payment-requested keyed by
    its id; payments charges the saved card and answers; the part reduces the amount due, the
    rest pays the invoice and publishes invoice-paid exactly once."""
    account = await new_account(gateway)
    card = await saved_card(gateway, account)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])  # 119.00

    resp = await pay(gateway, account, invoice["id"], card, amount=5_000)
    assert resp.status_code == 202, resp.text
    first = resp.json()
    assert (first["status"], first["amount"], first["currency"]) == ("pending", 5_000, "EUR")
    assert first["requested_by"] == f"buyer@{account.csn}.example"
    [event] = await eventually(
        lambda: events_for(kafka_bootstrap, "invoice-payment-requested", invoice["id"])
    )
    assert event["data"]["payment_request_id"] == first["id"]
    assert (event["data"]["amount"], event["data"]["payment_method_id"]) == (5_000, card)

    part = await wait_for_invoice(gateway, account, invoice["id"], amount_paid=5_000)
    assert (part["status"], part["amount_due"]) == ("open", 6_900)
    [settled] = part["payment_requests"]
    assert settled["status"] == "succeeded" and settled["charge_id"]

    rest = await pay(gateway, account, invoice["id"], card)  # no amount: all that is due
    assert rest.status_code == 202 and rest.json()["amount"] == 6_900
    done = await wait_for_invoice(gateway, account, invoice["id"], status="paid")
    assert (done["amount_paid"], done["amount_due"]) == (11_900, 0)
    assert [r["status"] for r in done["payment_requests"]] == ["succeeded", "succeeded"]
    await asyncio.sleep(1)
    assert len(await events_for(kafka_bootstrap, "invoice-paid", invoice["id"])) == 1
    again = await pay(gateway, account, invoice["id"], card)
    assert again.status_code == 409 and again.json()["code"] == "invoice_not_open"


async def test_a_declined_payment_shows_on_the_invoice_and_settles_its_request_r_inv_2(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-2, R-PAY-4: the invoice stays open with the error; its request is failed, and
    the amount can be paid again with another method."""
    account = await new_account(gateway)
    declined = await saved_card(gateway, account, "tok_chargeDeclined")
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])
    assert (await pay(gateway, account, invoice["id"], declined)).status_code == 202

    shown = await wait_for_invoice(
        gateway, account, invoice["id"], last_payment_error="card_declined"
    )
    assert shown["status"] == "open" and shown["amount_due"] == 11_900
    [request] = shown["payment_requests"]
    assert (request["status"], request["failure_reason"]) == ("failed", "card_declined")
    retry = await pay(gateway, account, invoice["id"], await saved_card(gateway, account))
    assert retry.status_code == 202 and retry.json()["amount"] == 11_900


async def test_paying_is_refused_with_a_clear_code_r_inv_2(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-2: more than the amount due, a paid or a cancelled invoice, a malformed body."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])
    path = f"/v1/invoices/{invoice['id']}/payments"

    too_much = await gateway.post(
        path, json={"payment_method_id": "pm-x", "amount": 11_901}, headers=account.admin
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "amount_exceeds_amount_due"
    assert "119.00 EUR" in too_much.json()["detail"]
    for body in ({"payment_method_id": "pm-x", "amount": 0}, {"payment_method_id": "pm-x", "x": 1}):
        bad = await gateway.post(path, json=body, headers=account.admin)
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    assert (
        await gateway.post(path, json={"payment_method_id": "pm-x"}, headers=account.user)
    ).status_code == 403

    await publish(kafka_bootstrap, paid(invoice, invoice["total"]), "payments")
    await wait_for_invoice(gateway, account, invoice["id"], status="paid")
    refused = await gateway.post(path, json={"payment_method_id": "pm-x"}, headers=account.admin)
    assert refused.status_code == 409 and refused.json()["code"] == "invoice_not_open"

    cancelled = await open_invoice(gateway, kafka_bootstrap, account, [(1, 1_000)])
    await gateway.post(
        f"/v1/invoices/{cancelled['id']}/cancellation", json={"reason": "x"}, headers=account.agent
    )
    refused = await gateway.post(
        f"/v1/invoices/{cancelled['id']}/payments",
        json={"payment_method_id": "pm-x"},
        headers=account.admin,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "invoice_not_open"


async def test_partial_payments_reduce_the_amount_due_and_paying_in_full_publishes_invoice_paid_once_r_inv_2(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-2: two charges pay the invoice; redelivering the last one changes nothing and
    invoice-paid is published exactly once."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])
    await publish(kafka_bootstrap, paid(invoice, 4_000), "payments")
    part = await wait_for_invoice(gateway, account, invoice["id"], amount_paid=4_000)
    assert (part["status"], part["amount_due"]) == ("open", 7_900)

    last = await publish(kafka_bootstrap, paid(invoice, 7_900), "payments")
    done = await wait_for_invoice(gateway, account, invoice["id"], status="paid")
    assert (done["amount_due"], done["amount_paid"], len(done["payments"])) == (0, 11_900, 2)
    await republish(kafka_bootstrap, last)
    await asyncio.sleep(2)
    after = await get_ok(gateway, f"/v1/invoices/{invoice['id']}", account.admin)
    assert (after["amount_paid"], len(after["payments"])) == (11_900, 2)
    assert len(await events_for(kafka_bootstrap, "invoice-paid", invoice["id"])) == 1


async def test_money_received_for_an_already_paid_invoice_becomes_account_credit_r_inv_2(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-2: a second charge never pays twice; its money is credit on the account."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 1_000)])
    await publish(kafka_bootstrap, paid(invoice, 1_190), "payments")
    await wait_for_invoice(gateway, account, invoice["id"], status="paid")
    charge = f"ch-{uuid.uuid4().hex[:8]}"
    await publish(kafka_bootstrap, paid(invoice, 1_190, charge_id=charge), "payments")

    async def credited() -> list[dict] | None:
        page = await get_ok(gateway, "/v1/credit-notes", account.admin)
        return page["items"] or None

    [note] = await eventually(credited)
    assert (note["total"], note["tax"], note["balance"], note["refund"]) == (1_190, 0, 1_190, False)
    assert charge in note["reason"] and invoice["number"] in note["reason"]
    after = await get_ok(gateway, f"/v1/invoices/{invoice['id']}", account.admin)
    assert after["amount_paid"] == 1_190
    issued = envelopes(await read_topic(kafka_bootstrap, "credit-note-issued"))
    assert [e["data"]["amount"] for e in issued if e["key"] == note["id"]] == [1_190]
