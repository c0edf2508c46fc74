"""Order history (R-INV-4): every purchase — automatic renewal, renewal cart, added seats,
accepted quote — is one order with its tax invoice, through the gateway and the real broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx

from shared.clock import SystemClock
from shared.events import QuoteAccepted, QuoteLine, SeatsChanged
from tests.e2e.conftest import ALICE, NORA
from tests.e2e.invoicing_support import (
    Account,
    events_for,
    get_ok,
    money,
    new_account,
    publish,
    renewal_order,
    renewal_requested,
    republish,
    wait_for_invoice,
    wait_for_orders,
)
from tests.kafka_tools import envelopes, eventually, read_topic

ACME = "5100000001"
ACME_ACCOUNT = Account(ACME, admin=ALICE)


async def test_an_automatic_renewal_is_an_order_with_its_invoice_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4: the renewal sweep's request becomes an order of kind renewal and one invoice."""
    account = await new_account(gateway)
    event = renewal_requested(account.csn, seats=3, unit=12_345)
    await publish(kafka_bootstrap, event, "subscriptions")

    [order] = await wait_for_orders(gateway, account, 1)
    assert (order["kind"], order["status"], order["reference"]) == (
        "renewal",
        "awaiting_payment",
        event.subscription_id,
    )
    detail = await get_ok(gateway, f"/v1/orders/{order['id']}", account.admin)
    [line] = detail["lines"]
    assert (line["quantity"], line["unit_amount"], line["amount"]) == (3, 12_345, 37_035)
    assert line["renewal_id"] == str(event.renewal_id)
    assert line["period_start"] == "2031-01-15" and line["kind"] == "renewal"
    invoice = await get_ok(gateway, f"/v1/invoices/{order['invoice']['id']}", account.admin)
    assert invoice["order_id"] == order["id"] and invoice["total"] == order["total"]


async def test_a_renewal_cart_is_one_order_with_one_invoice_on_net_terms_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4, R-SUB-10: a manual renewal cart of two subscriptions: one order, one open
    invoice with both lines, due on the customer's net terms."""
    account = await new_account(gateway)
    event = renewal_order(account.csn, [(2, 4_900), (5, 1_000)])
    await publish(kafka_bootstrap, event, "subscriptions")

    [order] = await wait_for_orders(gateway, account, 1)
    assert order["id"] == str(event.order_id) and order["kind"] == "manual_renewal"
    assert order["placed_by"] == event.placed_by and order["collection"] == "manual"
    invoice = await get_ok(gateway, f"/v1/invoices/{order['invoice']['id']}", account.admin)
    assert [line["subscription_id"] for line in invoice["lines"]] == [
        line.subscription_id for line in event.lines
    ]
    # 98.00 + 50.00 at 19%: 18.62 + 9.50 tax, each line rounded on its own (R-INV-5)
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (14_800, 2_812, 17_612)
    assert invoice["status"] == "open" and invoice["amount_due"] == 17_612
    issued = date.fromisoformat(invoice["issue_date"])
    assert date.fromisoformat(invoice["due_date"]) == issued + timedelta(days=30)


async def test_an_automatic_renewal_order_is_charged_and_tells_what_to_renew_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4: automatic collection — payments charges the saved card; the paid invoice
    publishes invoice-paid once, carrying each line's subscription, renewal and period."""
    event = renewal_order(ACME, [(1, 2_000)], payment_method_id="pm-acme-visa")
    await publish(kafka_bootstrap, event, "subscriptions")

    async def order() -> dict | None:
        resp = await gateway.get(f"/v1/orders/{event.order_id}", headers=ALICE)
        return resp.json() if resp.status_code == 200 else None

    placed = await eventually(order)
    invoice = await wait_for_invoice(
        gateway, ACME_ACCOUNT, placed["invoice"]["id"], status="paid", amount_due=0
    )
    assert invoice["amount_paid"] == 2_380  # 20.00 + 19% VAT, charged on pm-acme-visa
    paid_events = await eventually(
        lambda: events_for(kafka_bootstrap, "invoice-paid", invoice["id"])
    )
    assert len(paid_events) == 1
    [line] = paid_events[0]["data"]["lines"]
    assert line["subscription_id"] == event.lines[0].subscription_id
    assert line["renewal_id"] == str(event.lines[0].renewal_id)
    assert line["period_start"] == "2031-02-01" and line["kind"] == "renewal"
    assert paid_events[0]["data"]["order_id"] == str(event.order_id)


async def test_added_seats_are_an_order_charged_pro_rata_on_the_stored_card_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4, R-SEAT-2: one line for the prorated amount over the rest of the term."""
    order_id = uuid.uuid4()
    event = SeatsChanged(
        subscription_id=f"sub-{uuid.uuid4().hex[:10]}",
        csn=ACME,
        change="added",
        previous_seats=10,
        seats=12,
        effective_on=date(2031, 6, 1),
        order_id=order_id,
        product_code="CAD-PRO",
        product_name="CAD Pro",
        term="annual",
        unit_price=money(189_000),
        prorated_amount=money(123_457),
        period_start=date(2031, 6, 1),
        period_end=date(2031, 12, 1),
        payment_method_id="pm-acme-visa",
    )
    await publish(kafka_bootstrap, event, "subscriptions")

    async def placed() -> dict | None:
        resp = await gateway.get(f"/v1/orders/{order_id}", headers=ALICE)
        return resp.json() if resp.status_code == 200 else None

    order = await eventually(placed)
    assert order["kind"] == "seats_added" and order["collection"] == "automatic"
    [line] = order["lines"]
    assert (line["amount"], line["tax_amount"]) == (123_457, 23_457)  # 23,456.83 → 23,457
    assert line["period_start"] == "2031-06-01" and line["period_end"] == "2031-12-01"
    assert "2 added seat(s)" in line["description"] and line["kind"] == "seats_added"
    await wait_for_invoice(gateway, ACME_ACCOUNT, order["invoice"]["id"], status="paid")


async def test_an_accepted_quote_is_an_order_invoiced_on_net_terms_with_its_promotions_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4, R-QUO-2, R-QUO-7: the quote's lines with their discounts; no payment method,
    so the invoice waits on the customer's net terms."""
    account = await new_account(gateway)
    event = quote_accepted(account.csn)
    await publish(kafka_bootstrap, event, "quotes")

    [order] = await wait_for_orders(gateway, account, 1)
    assert (order["kind"], order["reference"], order["collection"]) == ("quote", "Q-77", "manual")
    invoice = await get_ok(gateway, f"/v1/invoices/{order['invoice']['id']}", account.admin)
    first, second = invoice["lines"]
    assert (first["quantity"], first["unit_amount"], first["discount"], first["amount"]) == (
        5,
        10_000,
        5_000,
        45_000,
    )
    assert "PROMO10" in first["description"] and first["kind"] == "renewal"
    assert second["subscription_id"] is None and second["kind"] == "new"
    assert invoice["subtotal"] == 45_000 + 20_000 and invoice["status"] == "open"


async def test_a_redelivered_purchase_creates_no_second_order_or_invoice_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4: the same envelopes delivered again (renewal requested, renewal cart, quote)
    leave one order and one invoice each, and one invoice-issued each."""
    account = await new_account(gateway)
    sent = [
        await publish(kafka_bootstrap, renewal_requested(account.csn), "subscriptions"),
        await publish(kafka_bootstrap, renewal_order(account.csn, [(1, 500)]), "subscriptions"),
        await publish(kafka_bootstrap, quote_accepted(account.csn), "quotes"),
    ]
    orders = await wait_for_orders(gateway, account, 3)
    for envelope in sent:
        await republish(kafka_bootstrap, envelope)
    # A new purchase on each topic after the copies: each consumer reads its topic in order,
    # so once the three are in, every copy was handled.
    await publish(kafka_bootstrap, renewal_requested(account.csn), "subscriptions")
    await publish(kafka_bootstrap, renewal_order(account.csn, [(1, 700)]), "subscriptions")
    await publish(kafka_bootstrap, quote_accepted(account.csn), "quotes")
    after = await wait_for_orders(gateway, account, 6)
    await asyncio.sleep(1)

    page = await get_ok(gateway, "/v1/orders?limit=200", account.admin)
    assert page["total"] == 6 == len(after)
    invoices = await get_ok(gateway, "/v1/invoices?limit=200", account.admin)
    assert invoices["total"] == 6
    issued = envelopes(await read_topic(kafka_bootstrap, "invoice-issued"))
    for order in orders:
        assert len([e for e in issued if e["key"] == order["invoice"]["id"]]) == 1


async def test_order_history_is_newest_first_and_paginated_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4: numbers are per account and gapless; the newest order comes first."""
    account = await new_account(gateway)
    for n in range(3):
        await publish(kafka_bootstrap, renewal_requested(account.csn, seats=n + 1), "subscriptions")
        await wait_for_orders(gateway, account, n + 1)
    page = await get_ok(gateway, "/v1/orders?limit=2", account.admin)
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = await get_ok(gateway, "/v1/orders?limit=2&offset=2", account.admin)
    numbers = [o["number"] for o in page["items"] + rest["items"]]
    assert numbers == [f"OR-{account.csn}-{n:06d}" for n in (3, 2, 1)]
    invoices = await get_ok(gateway, "/v1/invoices", account.admin)
    assert [i["number"] for i in invoices["items"]] == [f"{account.csn}-{n:06d}" for n in (3, 2, 1)]


async def test_orders_are_private_to_their_account_and_hidden_from_plain_users_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    account = await new_account(gateway)
    await publish(kafka_bootstrap, renewal_requested(account.csn), "subscriptions")
    [order] = await wait_for_orders(gateway, account, 1)
    other = await gateway.get(f"/v1/orders/{order['id']}", headers=NORA)
    assert other.status_code == 404 and other.json()["code"] == "order_not_found"
    assert (await gateway.get("/v1/orders", headers=account.user)).status_code == 403


def quote_accepted(csn: str) -> QuoteAccepted:
    def line(kind: str, seats: int, unit: int, discount: int, sub: str | None) -> QuoteLine:
        return QuoteLine(
            line_id=uuid.uuid4().hex,
            kind=kind,  # type: ignore[arg-type]
            subscription_id=sub,
            renewal_id=uuid.uuid4() if sub else None,
            product_code="CAD-PRO",
            product_name="CAD Pro",
            seats=seats,
            term="annual",
            unit_price=money(unit),
            discount=discount,
            amount=seats * unit - discount,
            promotion_codes=["PROMO10"] if discount else [],
            period_start=date(2031, 4, 1) if sub else None,
            period_end=date(2032, 4, 1) if sub else None,
        )

    return QuoteAccepted(
        quote_id=uuid.uuid4().hex,
        quote_number="Q-77",
        csn=csn,
        origin="self_service",
        partner_csn=None,
        currency="EUR",
        accepted_by=f"buyer@{csn}.example",
        accepted_at=SystemClock().now(),
        payment_method_id=None,
        subtotal=70_000,
        discount_total=5_000,
        lines=[line("renewal", 5, 10_000, 5_000, "sub-q-1"), line("new", 1, 20_000, 0, None)],
    )


async def test_a_renewal_bought_again_cancels_its_older_unpaid_invoice_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-4, R-SUB-10: after an automatic renewal's invoice stayed unpaid, the customer renews
    the same term from the cart: the new order bills it and the old invoice is cancelled (with
    invoice-cancelled), so the term is never collected twice."""
    account = await new_account(gateway)
    requested = renewal_requested(account.csn)
    await publish(kafka_bootstrap, requested, "subscriptions")
    [first] = await wait_for_orders(gateway, account, 1)
    cart = renewal_order(account.csn, [(2, 10_000)])
    same_term = cart.lines[0].model_copy(
        update={"renewal_id": requested.renewal_id, "subscription_id": requested.subscription_id}
    )
    await publish(kafka_bootstrap, cart.model_copy(update={"lines": [same_term]}), "subscriptions")
    orders = await wait_for_orders(gateway, account, 2)

    old = await get_ok(gateway, f"/v1/invoices/{first['invoice']['id']}", account.admin)
    new_order = next(o for o in orders if o["id"] == str(cart.order_id))
    assert old["status"] == "cancelled"
    assert old["cancellation_reason"] == f"Replaced by order {new_order['number']}"
    assert new_order["invoice"]["status"] == "open"
    [event] = await eventually(lambda: events_for(kafka_bootstrap, "invoice-cancelled", old["id"]))
    assert event["data"]["lines"][0]["renewal_id"] == str(requested.renewal_id)

    # The sweep asking for that term again (a new event) bills nothing: the cart bought it.
    await publish(kafka_bootstrap, requested.model_copy(), "subscriptions")
    later_term = requested.model_copy(update={"renewal_id": uuid.uuid4()})  # same key, after it
    await publish(kafka_bootstrap, later_term, "subscriptions")
    await wait_for_orders(gateway, account, 3)
    await asyncio.sleep(1)
    assert (await get_ok(gateway, "/v1/orders", account.admin))["total"] == 3
