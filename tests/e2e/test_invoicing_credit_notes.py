"""Credit notes (R-INV-3): issued by billing agents, listed, applied to open invoices; the
balance never goes below zero and an invoice is never paid twice, even under concurrency."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.invoicing_support import (
    Account,
    events_for,
    get_ok,
    new_account,
    open_invoice,
    pay,
    saved_card,
    wait_for_invoice,
)
from tests.kafka_tools import eventually


async def issue(
    gateway: httpx.AsyncClient, account: Account, expect: int = 201, **body: object
) -> dict:
    resp = await gateway.post("/v1/credit-notes", json=body, headers=account.agent)
    assert resp.status_code == expect, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def apply(
    gateway: httpx.AsyncClient, account: Account, note_id: str, allocations: list[tuple[str, int]]
) -> httpx.Response:
    return await gateway.post(
        f"/v1/credit-notes/{note_id}/applications",
        json={"allocations": [{"invoice_id": i, "amount": a} for i, a in allocations]},
        headers=account.buyer,
    )


async def test_a_billing_agent_issues_account_credit_that_is_listed_r_inv_3(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-3: reason and amount (including tax); credit-note-issued tells payments there is
    nothing to refund; only billing agents issue credit notes."""
    account = await new_account(gateway)
    note = await issue(gateway, account, reason="Service outage", amount=11_900, currency="EUR")
    assert note["number"] == f"CN-{account.csn}-000001"
    assert (note["subtotal"], note["tax"], note["total"]) == (10_000, 1_900, 11_900)
    assert (note["status"], note["balance"], note["tax_name"]) == (
        "available",
        11_900,
        "Umsatzsteuer 19%",
    )
    listed = await get_ok(gateway, "/v1/credit-notes?available=true", account.admin)
    assert [n["id"] for n in listed["items"]] == [note["id"]]
    [event] = await eventually(
        lambda: events_for(kafka_bootstrap, "credit-note-issued", note["id"])
    )
    assert (event["data"]["amount"], event["data"]["refund"]) == (11_900, False)

    refused = await gateway.post(
        "/v1/credit-notes",
        json={"reason": "x", "amount": 100, "currency": "EUR"},
        headers=account.admin,
    )
    assert refused.status_code == 403
    await issue(gateway, account, 422, reason="x", amount=100)  # currency missing
    both = await gateway.post(
        "/v1/credit-notes",
        json={
            "reason": "x",
            "amount": 100,
            "lines": [{"description": "a", "amount": 1}],
            "currency": "EUR",
        },
        headers=account.agent,
    )
    assert both.status_code == 422 and both.json()["code"] == "credit_amount_or_lines"


async def test_credit_is_applied_to_several_open_invoices_and_pays_the_one_it_covers_r_inv_3(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-3, R-INV-2: one application over two invoices; the invoice whose last part is
    credit is paid and publishes invoice-paid once; the invoices' lines never change."""
    account = await new_account(gateway)
    first = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])  # 119.00
    second = await open_invoice(gateway, kafka_bootstrap, account, [(1, 20_000)])  # 238.00
    note = await issue(gateway, account, reason="Goodwill", amount=15_000, currency="EUR")

    resp = await apply(gateway, account, note["id"], [(first["id"], 11_900), (second["id"], 3_100)])
    assert resp.status_code == 201, resp.text
    assert (resp.json()["balance"], resp.json()["status"]) == (0, "used")
    paid_first = await get_ok(gateway, f"/v1/invoices/{first['id']}", account.admin)
    assert (paid_first["status"], paid_first["amount_credited"], paid_first["amount_due"]) == (
        "paid",
        11_900,
        0,
    )
    assert paid_first["lines"] == first["lines"] and paid_first["total"] == first["total"]
    assert paid_first["credits"][0]["credit_note_number"] == note["number"]
    part = await get_ok(gateway, f"/v1/invoices/{second['id']}", account.admin)
    assert (part["status"], part["amount_due"]) == ("open", 23_800 - 3_100)
    [event] = await eventually(lambda: events_for(kafka_bootstrap, "invoice-paid", first["id"]))
    assert event["data"]["total"] == 11_900
    assert await events_for(kafka_bootstrap, "invoice-paid", second["id"]) == []


async def test_credit_beyond_the_balance_or_the_amount_due_changes_nothing_r_inv_3(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-3: refusals are whole: no allocation of a refused application is kept."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])
    other = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])
    note = await issue(gateway, account, reason="Goodwill", amount=50_000, currency="EUR")

    over_due = await apply(
        gateway, account, note["id"], [(other["id"], 100), (invoice["id"], 11_901)]
    )
    assert over_due.status_code == 409 and over_due.json()["code"] == "amount_exceeds_amount_due"
    over_balance = await apply(gateway, account, note["id"], [(invoice["id"], 50_001)])
    assert over_balance.json()["code"] == "credit_balance_insufficient"
    twice = await apply(gateway, account, note["id"], [(invoice["id"], 1), (invoice["id"], 1)])
    assert twice.status_code == 422
    after = await get_ok(gateway, f"/v1/credit-notes/{note['id']}", account.admin)
    assert (after["balance"], after["applications"]) == (50_000, [])
    for i in (invoice, other):
        assert (await get_ok(gateway, f"/v1/invoices/{i['id']}", account.admin))[
            "amount_due"
        ] == 11_900

    usd = await issue(gateway, account, reason="Goodwill", amount=100, currency="USD")
    mismatch = await apply(gateway, account, usd["id"], [(invoice["id"], 100)])
    assert mismatch.json()["code"] == "currency_mismatch"


async def test_concurrent_applications_of_one_credit_note_never_overdraw_it_r_inv_3(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-3: two people apply the same credit at the same moment: one wins, the other is
    refused; the credit note's row lock keeps the balance at zero, never below."""
    account = await new_account(gateway)
    invoices = [
        await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)]) for _ in range(4)
    ]
    note = await issue(gateway, account, reason="Goodwill", amount=10_000, currency="EUR")

    results = await asyncio.gather(
        *(apply(gateway, account, note["id"], [(i["id"], 10_000)]) for i in invoices)
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409], [r.text for r in results]
    assert all(
        r.json()["code"] == "credit_balance_insufficient" for r in results if r.status_code == 409
    )
    after = await get_ok(gateway, f"/v1/credit-notes/{note['id']}", account.admin)
    assert (after["balance"], after["amount_applied"], len(after["applications"])) == (0, 10_000, 1)
    credited = [
        (await get_ok(gateway, f"/v1/invoices/{i['id']}", account.admin))["amount_credited"]
        for i in invoices
    ]
    assert sorted(credited) == [0, 0, 0, 10_000]


async def test_concurrent_credit_notes_get_gapless_numbers_r_inv_3(
    gateway: httpx.AsyncClient,
) -> None:
    """R-INV-3: numbers per account, in sequence, none skipped, none twice."""
    account = await new_account(gateway)
    notes = await asyncio.gather(
        *(issue(gateway, account, reason=f"n{n}", amount=100, currency="EUR") for n in range(6))
    )
    assert sorted(n["number"] for n in notes) == [f"CN-{account.csn}-{n:06d}" for n in range(1, 7)]


async def test_a_credit_note_on_an_open_invoice_reduces_what_is_due_at_once_r_inv_3(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-1, R-INV-3: corrections are credit notes: lines before tax, taxed at the invoice's
    rate; never more than was invoiced."""
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(2, 10_000)])  # 238.00
    note = await issue(
        gateway,
        account,
        reason="One seat billed twice",
        invoice_id=invoice["id"],
        lines=[{"description": "CAD Pro, 1 seat", "amount": 10_000}],
    )
    assert (note["total"], note["invoice_number"], note["balance"]) == (
        11_900,
        invoice["number"],
        0,
    )
    after = await get_ok(gateway, f"/v1/invoices/{invoice['id']}", account.admin)
    assert (after["amount_credited"], after["amount_due"], after["status"]) == (
        11_900,
        11_900,
        "open",
    )
    too_much = await issue(
        gateway, account, 422, reason="again", invoice_id=invoice["id"], amount=11_901
    )
    assert too_much["code"] == "credit_exceeds_invoice"


async def test_a_refund_credit_note_sends_money_back_through_payments_r_inv_3(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-3: refund=true on a paid invoice publishes credit-note-issued with refund=true;
    payments refunds the card and answers payment-refunded; the note shows refunded. A refund
    of an unpaid invoice, or beyond what was paid, is refused."""
    account = await new_account(gateway)
    card = await saved_card(gateway, account)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])
    refused = await issue(
        gateway, account, 409, reason="Refund", invoice_id=invoice["id"], amount=500, refund=True
    )
    assert refused["code"] == "refund_needs_paid_invoice"
    assert (await pay(gateway, account, invoice["id"], card)).status_code == 202
    await wait_for_invoice(gateway, account, invoice["id"], status="paid")

    note = await issue(
        gateway, account, reason="Refund", invoice_id=invoice["id"], amount=5_950, refund=True
    )
    assert (note["status"], note["balance"], note["refund"]) == ("refund_pending", 0, True)
    [event] = await eventually(
        lambda: events_for(kafka_bootstrap, "credit-note-issued", note["id"])
    )
    assert (event["data"]["refund"], event["data"]["invoice_id"], event["data"]["amount"]) == (
        True,
        invoice["id"],
        5_950,
    )

    async def refunded() -> dict | None:
        now = await get_ok(gateway, f"/v1/credit-notes/{note['id']}", account.admin)
        return now if now["status"] == "refunded" else None

    assert (await eventually(refunded))["amount_refunded"] == 5_950
    after = await wait_for_invoice(gateway, account, invoice["id"], amount_refunded=5_950)
    assert (after["status"], after["amount_paid"], after["total"]) == ("paid", 11_900, 11_900)
    more = await issue(
        gateway, account, 422, reason="Refund", invoice_id=invoice["id"], amount=5_951, refund=True
    )
    assert more["code"] == "credit_exceeds_invoice"
