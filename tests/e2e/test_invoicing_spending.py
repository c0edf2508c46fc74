"""Spending summary (R-SUM-4) through the gateway, from invoicing's own invoices, payments
and payment failures."""

from __future__ import annotations

import httpx

from tests.e2e.invoicing_support import (
    failed,
    get_ok,
    new_account,
    open_invoice,
    paid,
    publish,
    wait_for_invoice,
)


async def test_spending_summary_splits_this_month_into_due_errors_and_made_r_sum_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    account = await new_account(gateway)
    settled = await open_invoice(gateway, kafka_bootstrap, account, [(1, 10_000)])  # 119.00
    part = await open_invoice(gateway, kafka_bootstrap, account, [(1, 20_000)])  # 238.00
    declined = await open_invoice(gateway, kafka_bootstrap, account, [(1, 30_000)])  # 357.00
    cancelled = await open_invoice(gateway, kafka_bootstrap, account, [(1, 40_000)])
    await publish(kafka_bootstrap, paid(settled, 11_900), "payments")
    await publish(kafka_bootstrap, paid(part, 3_800), "payments")
    await publish(kafka_bootstrap, failed(declined), "payments")
    await gateway.post(
        f"/v1/invoices/{cancelled['id']}/cancellation", json={"reason": "x"}, headers=account.agent
    )
    await wait_for_invoice(gateway, account, settled["id"], status="paid")
    await wait_for_invoice(gateway, account, part["id"], amount_paid=3_800)
    await wait_for_invoice(gateway, account, declined["id"], last_payment_error="card_declined")

    summary = await get_ok(gateway, "/v1/spending-summary", account.buyer)
    months = summary["months"]
    assert len(months) == 6 and months[-1]["month"] == summary["as_of"][:7]
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)
    assert months[-1]["totals"] == [
        {
            "currency": "EUR",
            "payments_due": 23_800 - 3_800,
            "payment_errors": 35_700,
            "payments_made": 11_900 + 3_800,
        }
    ]
    assert all(m["totals"][0]["payments_made"] == 0 for m in months[:-1])
    assert (await gateway.get("/v1/spending-summary", headers=account.user)).status_code == 403
