"""Subscriptions and contracts through the gateway, over real processes (SPEC "Subscriptions
and contracts", "Seats", R-ROLE-2, R-ROLE-3). Uses the Northwind demo account (5100000004),
which no other test changes; dates are read from the API, never assumed, because other tests
move the shared clock."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ALICE, token_for
from tests.kafka_tools import envelopes, eventually, read_topic

pytestmark = pytest.mark.slow

NW = "5100000004"


def auth(subject: str, roles: list[str], csn: str = NW) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(subject, csn, roles)}"}


FRANK = auth("frank@northwind.example", ["primary_admin"])
CORA = auth("cora@northwind.example", ["contract_manager"])
BOB = auth("bob@northwind.example", ["buyer"])
URSULA = auth("ursula@northwind.example", ["user"])


async def get(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    resp = await client.get(path, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def sub(client: httpx.AsyncClient, sub_id: str) -> dict[str, Any]:
    return await get(client, f"/v1/subscriptions/{sub_id}", FRANK)  # type: ignore[no-any-return]


def problem(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["code"] == code, body
    assert body["detail"]  # says what to do
    return body


# --- list, detail, export (R-SUB-1..3) ------------------------------------------------------


async def test_list_filters_search_sort_and_paginate_r_sub_2(gateway: httpx.AsyncClient) -> None:
    everything = await get(gateway, "/v1/subscriptions?limit=200", FRANK)
    assert everything["total"] == 8
    assert all(s["csn"] == NW for s in everything["items"])

    active_manual = await get(gateway, "/v1/subscriptions?status=active&auto_renew=false", FRANK)
    assert {s["id"] for s in active_manual["items"]} >= {"sub-nw-cad", "sub-nw-pdm"}
    assert all(s["status"] == "active" and not s["auto_renew"] for s in active_manual["items"])

    by_kind = await get(gateway, "/v1/subscriptions?payment_method_kind=bank_transfer", FRANK)
    assert {s["id"] for s in by_kind["items"]} <= {"sub-nw-pdm", "sub-nw-lapsing"}
    assert "sub-nw-pdm" in {s["id"] for s in by_kind["items"]}

    cad = await get(gateway, "/v1/subscriptions?product=CAD-PRO&team_id=team-nw-rnd", FRANK)
    assert [s["id"] for s in cad["items"]] == ["sub-nw-seats"]
    searched = await get(gateway, "/v1/subscriptions?q=research", FRANK)  # a team's name
    assert {s["id"] for s in searched["items"]} == {
        "sub-nw-seats",
        "sub-nw-pdm",
        "sub-nw-sim-trial",
    }
    assert (await get(gateway, "/v1/subscriptions?contract_id=ctr-nw-1", FRANK))["total"] == 2
    assert (await get(gateway, "/v1/subscriptions?purchase_method=partner", FRANK))["total"] == 1
    assert (await get(gateway, "/v1/subscriptions?currency=USD", FRANK))["total"] == 0

    page1 = await get(gateway, "/v1/subscriptions?sort=-seats&limit=3", FRANK)
    page2 = await get(gateway, "/v1/subscriptions?sort=-seats&limit=3&offset=3", FRANK)
    seats = [s["seats"] for s in page1["items"] + page2["items"]]
    assert seats == sorted(seats, reverse=True) and page1["total"] == 8
    assert not {s["id"] for s in page1["items"]} & {s["id"] for s in page2["items"]}

    bad = await gateway.get("/v1/subscriptions?term=weekly", headers=FRANK)
    problem(bad, 422, "invalid_request")


async def test_expiring_within_days_filter_r_sub_2(gateway: httpx.AsyncClient) -> None:
    pdm = await sub(gateway, "sub-nw-pdm")
    days = pdm["days_to_renewal"]
    within = await get(gateway, f"/v1/subscriptions?expiring_within_days={days}", FRANK)
    before = await get(gateway, f"/v1/subscriptions?expiring_within_days={days - 1}", FRANK)
    assert "sub-nw-pdm" in {s["id"] for s in within["items"]}
    assert "sub-nw-pdm" not in {s["id"] for s in before["items"]}


async def test_detail_shows_every_field_of_a_subscription_r_sub_1(
    gateway: httpx.AsyncClient,
) -> None:
    s = await sub(gateway, "sub-nw-cad")
    assert s["product_name"] == "CAD Pro" and s["team_name"] == "Operations"
    assert (s["seats"], s["term"], s["currency"], s["contract_id"]) == (
        5,
        "annual",
        "EUR",
        "ctr-nw-1",
    )
    assert s["payment_method_kind"] == "card" and s["payment_method_label"] == "Visa •••• 4242"
    assert s["purchase_method"] == "online_direct" and s["status"] == "active"
    assert date.fromisoformat(s["renewal_date"]) > date.fromisoformat(s["start_date"])


async def test_plain_user_sees_only_their_assignment_r_role_1(gateway: httpx.AsyncClient) -> None:
    mine = await get(gateway, "/v1/subscriptions", URSULA)
    assert [s["id"] for s in mine["items"]] == ["sub-nw-cad"]
    problem(
        await gateway.get("/v1/subscriptions/sub-nw-pdm", headers=URSULA),
        404,
        "subscription_not_found",
    )


@pytest.mark.parametrize(
    "billing_filter",
    [
        "payment_error=true",
        "payment_error=false",
        "payment_method_id=pm-nw-visa",
        "payment_method_kind=card",
    ],
)
@pytest.mark.parametrize("path", ["/v1/subscriptions", "/v1/subscriptions/export.csv"])
async def test_plain_user_cannot_filter_by_billing_data_r_role_1(
    gateway: httpx.AsyncClient, path: str, billing_filter: str
) -> None:
    """Filtering by a payment error or a card would tell a plain user what R-ROLE-1 hides."""
    problem(
        await gateway.get(f"{path}?{billing_filter}", headers=URSULA),
        403,
        "billing_filter_forbidden",
    )
    allowed = await gateway.get(f"{path}?{billing_filter}", headers=FRANK)
    assert allowed.status_code == 200, allowed.text


async def test_csv_export_of_one_a_filtered_list_and_a_selection_r_sub_3(
    gateway: httpx.AsyncClient,
) -> None:
    def rows(resp: httpx.Response) -> list[dict[str, str]]:
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/csv")
        assert "attachment" in resp.headers["content-disposition"]
        return list(csv.DictReader(io.StringIO(resp.text)))

    one = rows(await gateway.get("/v1/subscriptions/sub-nw-cad/export.csv", headers=FRANK))
    assert len(one) == 1 and one[0]["id"] == "sub-nw-cad" and one[0]["unit_price"] == "1890.00"
    assert one[0]["team_name"] == "Operations" and one[0]["auto_renew"] in ("False", "True")

    filtered = rows(
        await gateway.get(
            "/v1/subscriptions/export.csv?status=active&product=CAD-PRO", headers=FRANK
        )
    )
    assert {r["id"] for r in filtered} == {"sub-nw-cad", "sub-nw-seats"}

    selection = rows(
        await gateway.get(
            "/v1/subscriptions/export.csv?ids=sub-nw-pdm,sub-nw-old&ids=sub-acme-cad", headers=FRANK
        )
    )
    assert {r["id"] for r in selection} == {"sub-nw-pdm", "sub-nw-old"}  # never another account's

    assert [
        r["id"] for r in rows(await gateway.get("/v1/subscriptions/export.csv", headers=URSULA))
    ] == ["sub-nw-cad"]


# --- auto-renew (R-SUB-4, 5, 6, 7, 9) ----------------------------------------------------------


async def test_turning_auto_renew_on_and_off_publishes_auto_renew_changed_r_sub_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    on = await gateway.put(
        "/v1/subscriptions/sub-nw-cad/auto-renew", json={"auto_renew": True}, headers=BOB
    )
    assert on.status_code == 200, on.text
    assert on.json()["auto_renew"] and on.json()["renews_automatically"]
    off = await gateway.put(
        "/v1/subscriptions/sub-nw-cad/auto-renew", json={"auto_renew": False}, headers=BOB
    )
    assert off.status_code == 200 and not off.json()["auto_renew"]

    changes = [
        e["data"]
        for e in envelopes(await read_topic(kafka_bootstrap, "auto-renew-changed", min_count=2))
        if e["key"] == "sub-nw-cad"
    ]
    assert [c["auto_renew"] for c in changes][-2:] == [True, False]
    assert changes[-1]["changed_by"] == "bob@northwind.example"


async def test_auto_renew_is_refused_for_a_manual_renewal_method_r_sub_9(
    gateway: httpx.AsyncClient,
) -> None:
    for sub_id in ("sub-nw-pdm", "sub-nw-render"):  # bank transfer, Alipay
        resp = await gateway.put(
            f"/v1/subscriptions/{sub_id}/auto-renew", json={"auto_renew": True}, headers=FRANK
        )
        assert "manual renewal" in problem(resp, 409, "manual_renewal_method")["detail"]


async def test_trial_cannot_get_auto_renew_r_sub_6(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.put(
        "/v1/subscriptions/sub-nw-sim-trial/auto-renew", json={"auto_renew": True}, headers=FRANK
    )
    assert "buy the product" in problem(resp, 409, "trial_not_renewable")["detail"]


async def test_expired_subscription_is_never_reactivated_r_sub_7(
    gateway: httpx.AsyncClient,
) -> None:
    resp = await gateway.put(
        "/v1/subscriptions/sub-nw-old/auto-renew", json={"auto_renew": True}, headers=FRANK
    )
    assert "buy a new subscription" in problem(resp, 409, "subscription_expired")["detail"]
    cart = await gateway.post(
        "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-old"]}, headers=FRANK
    )
    problem(cart, 409, "subscription_expired")
    assert (await sub(gateway, "sub-nw-old"))["status"] == "expired"


async def test_bulk_auto_renew_reports_each_item_and_refuses_101_r_sub_4(
    gateway: httpx.AsyncClient,
) -> None:
    too_many = [f"sub-{n}" for n in range(101)]
    resp = await gateway.post(
        "/v1/subscriptions/auto-renew",
        json={"subscription_ids": too_many, "auto_renew": False},
        headers=FRANK,
    )
    problem(resp, 422, "too_many_items")

    ids = ["sub-nw-seats", "sub-nw-pdm", "sub-nw-sim-trial", "sub-acme-cad", "sub-nw-viewer"]
    resp = await gateway.post(
        "/v1/subscriptions/auto-renew",
        json={"subscription_ids": ids, "auto_renew": True},
        headers=FRANK,
    )
    assert resp.status_code == 200, resp.text
    outcomes = {r["subscription_id"]: (r["outcome"], r.get("code")) for r in resp.json()["results"]}
    assert outcomes == {
        "sub-nw-seats": ("unchanged", None),  # already on
        "sub-nw-pdm": ("refused", "manual_renewal_method"),
        "sub-nw-sim-trial": ("refused", "trial_not_renewable"),
        "sub-acme-cad": ("not_found", "subscription_not_found"),  # another account's: no leak
        "sub-nw-viewer": ("refused", "managed_by_partner"),
    }
    assert (await sub(gateway, "sub-nw-pdm"))["auto_renew"] is False


async def test_plain_user_cannot_change_auto_renew_r_role_1(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.put(
        "/v1/subscriptions/sub-nw-cad/auto-renew", json={"auto_renew": True}, headers=URSULA
    )
    problem(resp, 403, "forbidden")


# --- term change (R-SUB-8) ---------------------------------------------------------------------


async def test_term_change_takes_effect_at_the_next_renewal_with_the_new_price_r_sub_8(
    gateway: httpx.AsyncClient,
) -> None:
    resp = await gateway.put(
        "/v1/subscriptions/sub-nw-render/term", json={"term": "monthly"}, headers=FRANK
    )
    assert resp.status_code == 200, resp.text
    s = resp.json()
    assert (s["term"], s["unit_price_amount"]) == ("annual", 49000)  # unchanged until renewal
    assert (s["term_at_renewal"], s["unit_price_at_renewal"], s["renewal_amount"]) == (
        "monthly",
        4900,
        3 * 4900,
    )

    not_sold = await gateway.put(
        "/v1/subscriptions/sub-nw-render/term", json={"term": "three_year"}, headers=FRANK
    )
    problem(not_sold, 409, "term_not_available")
    back = await gateway.put(
        "/v1/subscriptions/sub-nw-render/term", json={"term": "annual"}, headers=FRANK
    )
    assert back.json()["term_at_renewal"] == "annual" and back.json()["renewal_amount"] == 3 * 49000


# --- seats (R-SEAT-1..3, R-ROLE-3) -----------------------------------------------------------


async def test_only_contract_managers_change_seats_r_role_3(gateway: httpx.AsyncClient) -> None:
    for who in (FRANK, BOB, URSULA):
        resp = await gateway.post(
            "/v1/subscriptions/sub-nw-seats/seats", json={"seats": 6}, headers=who
        )
        problem(resp, 403, "forbidden")


async def test_seats_only_on_auto_renew_online_subscriptions_r_seat_1(
    gateway: httpx.AsyncClient,
) -> None:
    resp = await gateway.post("/v1/subscriptions/sub-nw-pdm/seats", json={"seats": 3}, headers=CORA)
    problem(resp, 409, "seats_require_auto_renew")
    resp = await gateway.post(
        "/v1/subscriptions/sub-nw-viewer/seats", json={"seats": 7}, headers=CORA
    )
    problem(resp, 409, "seats_not_online_direct")


async def test_adding_seats_charges_the_stored_card_pro_rata_r_seat_2(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    before = await sub(gateway, "sub-nw-seats")
    preview = await gateway.post(
        "/v1/subscriptions/sub-nw-seats/seats/preview",
        json={"seats": before["seats"] + 2},
        headers=CORA,
    )
    assert preview.status_code == 200, preview.text
    assert (await sub(gateway, "sub-nw-seats"))["seats"] == before[
        "seats"
    ]  # a preview changes nothing
    assert preview.json()["order_id"] is None  # and names no order it did not place

    resp = await gateway.post(
        "/v1/subscriptions/sub-nw-seats/seats", json={"seats": before["seats"] + 2}, headers=CORA
    )
    assert resp.status_code == 201, resp.text
    added = resp.json()
    renewal = date.fromisoformat(before["renewal_date"])
    today = date.fromisoformat(added["effective_on"])
    term_days = (renewal - date(renewal.year - 1, renewal.month, renewal.day)).days
    days_left = (renewal - today).days
    exact_twice = 2 * 2 * 189000 * days_left  # 2 x (exact value x term_days), to round half up
    expected = (exact_twice + term_days) // (2 * term_days)
    assert added["prorated_amount"] == expected == preview.json()["prorated_amount"]
    assert added["order_id"] and added["payment_method_id"] == "pm-nw-visa"
    assert (await sub(gateway, "sub-nw-seats"))["seats"] == before["seats"] + 2

    changed = [
        e["data"]
        for e in envelopes(await read_topic(kafka_bootstrap, "seats-changed", min_count=1))
        if e["data"]["order_id"] == added["order_id"]
    ]
    assert len(changed) == 1
    assert changed[0]["prorated_amount"] == {"amount": expected, "currency": "EUR"}
    assert changed[0]["period_end"] == before["renewal_date"]

    async def order() -> dict[str, Any] | None:  # the order the answer named, placed by Cora
        resp = await gateway.get(f"/v1/orders/{added['order_id']}", headers=FRANK)
        return resp.json() if resp.status_code == 200 else None

    placed = await eventually(order)
    assert placed["placed_by"] == "cora@northwind.example"
    assert placed["id"] == added["order_id"]


async def test_reducing_seats_applies_at_renewal_with_the_lower_price_r_seat_3(
    gateway: httpx.AsyncClient,
) -> None:
    before = await sub(gateway, "sub-nw-seats")
    resp = await gateway.post(
        "/v1/subscriptions/sub-nw-seats/seats", json={"seats": 2}, headers=CORA
    )
    assert resp.status_code == 201, resp.text
    assert (
        resp.json()["change"] == "reduced" and resp.json()["effective_on"] == before["renewal_date"]
    )
    after = await sub(gateway, "sub-nw-seats")
    assert after["seats"] == before["seats"]  # still paid for until the renewal
    assert (after["seats_at_renewal"], after["renewal_amount"]) == (2, 2 * 189000)


async def test_a_seat_count_must_be_a_number_not_text(gateway: httpx.AsyncClient) -> None:
    """No silent coercion on writes: "5" is refused where the API documents an integer."""
    for path in (
        "/v1/subscriptions/sub-nw-seats/seats/preview",
        "/v1/subscriptions/sub-nw-seats/seats",
    ):
        resp = await gateway.post(path, json={"seats": "5"}, headers=CORA)
        assert problem(resp, 422, "invalid_request")["errors"][0]["loc"][-1] == "seats"


# --- manual renewals (R-SUB-9..12, R-ROLE-2) -----------------------------------------------------


async def test_renewal_groups_split_by_csn_currency_and_purchase_method_r_sub_11(
    gateway: httpx.AsyncClient,
) -> None:
    ids = ["sub-nw-cad", "sub-nw-pdm", "sub-nw-viewer", "sub-nw-seats", "sub-nw-sim-trial"]
    resp = await gateway.post("/v1/renewals/groups", json={"subscription_ids": ids}, headers=BOB)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    groups = {g["purchase_method"]: set(g["subscription_ids"]) for g in body["groups"]}
    assert groups == {"online_direct": {"sub-nw-cad", "sub-nw-pdm"}, "partner": {"sub-nw-viewer"}}
    refused = {r["subscription_id"]: r["code"] for r in body["ineligible"]}
    assert refused == {
        "sub-nw-seats": "outside_renewal_window",
        "sub-nw-sim-trial": "trial_not_renewable",
    }

    mixed = await gateway.post(
        "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-cad", "sub-nw-viewer"]}, headers=BOB
    )
    problem(mixed, 409, "mixed_renewal_groups")
    too_many = await gateway.post(
        "/v1/renewals/groups", json={"subscription_ids": [f"s{n}" for n in range(101)]}, headers=BOB
    )
    problem(too_many, 422, "too_many_items")


async def test_manual_renewal_outside_90_days_is_refused_r_sub_9(
    gateway: httpx.AsyncClient,
) -> None:
    resp = await gateway.post(
        "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-seats"]}, headers=FRANK
    )
    assert "90 days" in problem(resp, 409, "outside_renewal_window")["detail"]


async def test_only_billing_roles_renew_r_role_2(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.post(
        "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-cad"]}, headers=URSULA
    )
    problem(resp, 403, "forbidden")


async def test_cart_shows_price_tax_and_total_then_one_order_without_moving_the_date_r_sub_10_r_sub_12(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    before = await sub(gateway, "sub-nw-pdm")
    resp = await gateway.post(
        "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-pdm"]}, headers=BOB
    )
    assert resp.status_code == 201, resp.text
    cart = resp.json()
    # 2 seats x 1,650.00 EUR; German VAT 19% from the billing address (R-INV-5)
    assert (cart["subtotal"], cart["tax"], cart["total"]) == (330000, 62700, 392700)
    [line] = cart["lines"]
    assert line["period_start"] == before["renewal_date"] and line["term"] == "annual"
    assert cart["status"] == "open" and cart["tax_name"] == "Umsatzsteuer 19%"

    done = await gateway.post(
        f"/v1/renewal-carts/{cart['id']}/checkout",
        json={"payment_method_id": "pm-nw-transfer"},
        headers=BOB,
    )
    assert done.status_code == 202, done.text
    assert done.json()["status"] == "ordered" and done.json()["collection"] == "manual"
    again = await gateway.post(
        f"/v1/renewal-carts/{cart['id']}/checkout",
        json={"payment_method_id": "pm-nw-transfer"},
        headers=BOB,
    )
    assert again.status_code == 202 and again.json()["order_id"] == done.json()["order_id"]

    after = await sub(gateway, "sub-nw-pdm")
    assert after["renewal_date"] == before["renewal_date"]  # moves only when paid (R-SUB-12)
    assert after["renewal_pending_for"] == before["renewal_date"]

    orders = [
        e["data"]
        for e in envelopes(await read_topic(kafka_bootstrap, "renewal-order-placed", min_count=1))
        if e["data"]["order_id"] == cart["id"]
    ]
    assert len(orders) == 1  # the repeated checkout placed nothing more
    assert (
        orders[0]["collection"] == "manual"
        and orders[0]["lines"][0]["subscription_id"] == "sub-nw-pdm"
    )

    pending = await gateway.post(
        "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-pdm"]}, headers=BOB
    )
    problem(pending, 409, "renewal_already_pending")


# --- expiry and dashboard data (R-SUB-13, R-SUM-1, R-SUM-2) ------------------------------------


async def test_unrenewed_subscription_expires_after_its_date_r_sub_13(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    async def expired() -> bool:
        return (await sub(gateway, "sub-nw-lapsing"))["status"] == "expired"

    await eventually(expired, timeout=20)
    events = [
        e["data"]
        for e in envelopes(await read_topic(kafka_bootstrap, "subscription-expired", min_count=1))
        if e["key"] == "sub-nw-lapsing"
    ]
    assert len(events) == 1


async def test_summary_gives_product_cards_and_alerts_r_sum_1_r_sum_2(
    gateway: httpx.AsyncClient,
) -> None:
    summary = await get(gateway, "/v1/subscriptions/summary", FRANK)
    cards = {c["product_code"]: c for c in summary["product_cards"]}
    assert cards["CAD-PRO"]["subscriptions"] == 2 and cards["CAD-PRO"]["contracts"] == 1
    assert cards["CAD-PRO"]["teams"] == 2
    assert (
        "VIEWER" in cards and cards["VIEWER"]["subscriptions"] == 1
    )  # the expired one doesn't count
    soon = {a["subscription_id"] for a in summary["alerts"]["expiring_soon"]}
    assert "sub-nw-cad" in soon or "sub-nw-cad" in {
        a["subscription_id"] for a in summary["alerts"]["last_chance_to_renew"]
    }
    assert "sub-nw-seats" not in soon  # renews automatically


async def test_another_accounts_subscription_is_not_found_r_role_1(
    gateway: httpx.AsyncClient,
) -> None:
    for resp in (
        await gateway.get("/v1/subscriptions/sub-nw-cad", headers=ALICE),
        await gateway.put(
            "/v1/subscriptions/sub-nw-cad/term", json={"term": "monthly"}, headers=ALICE
        ),
        await gateway.post(
            "/v1/subscriptions/sub-nw-seats/seats",
            json={"seats": 9},
            headers=auth("carl@acme.example", ["contract_manager"], "5100000001"),
        ),
        await gateway.get("/v1/subscriptions/sub-nw-cad/export.csv", headers=ALICE),
    ):
        problem(resp, 404, "subscription_not_found")


# --- across services: orders, charges, renewals (run last: they change sub-nw-cad) ------------


async def order_when_completed(gateway: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    async def completed() -> dict[str, Any] | None:
        resp = await gateway.get(f"/v1/orders/{order_id}", headers=FRANK)
        return (
            resp.json()
            if resp.status_code == 200 and resp.json()["status"] == "completed"
            else None
        )

    return await eventually(completed, timeout=60)  # type: ignore[no-any-return]


async def test_added_seats_are_one_order_charged_to_the_stored_card_r_seat_2(
    gateway: httpx.AsyncClient,
) -> None:
    before = await sub(gateway, "sub-nw-seats")
    resp = await gateway.post(
        "/v1/subscriptions/sub-nw-seats/seats", json={"seats": before["seats"] + 1}, headers=CORA
    )
    assert resp.status_code == 201, resp.text
    added = resp.json()
    order = await order_when_completed(gateway, added["order_id"])
    assert order["kind"] == "seats_added" and order["subtotal"] == added["prorated_amount"]
    assert order["tax"] == (added["prorated_amount"] * 19 + 50) // 100  # German VAT, half up
    assert order["payment_method_id"] == "pm-nw-visa" and order["invoice"]["amount_due"] == 0
    assert (await sub(gateway, "sub-nw-seats"))["renewal_date"] == before[
        "renewal_date"
    ]  # not a renewal


async def test_early_manual_renewal_paid_by_card_moves_the_date_one_term_from_the_old_date_r_sub_12(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    before = await sub(gateway, "sub-nw-cad")
    cart = (
        await gateway.post(
            "/v1/renewal-carts", json={"subscription_ids": ["sub-nw-cad"]}, headers=FRANK
        )
    ).json()
    done = await gateway.post(
        f"/v1/renewal-carts/{cart['id']}/checkout",
        json={"payment_method_id": "pm-nw-visa"},
        headers=FRANK,
    )
    assert done.status_code == 202, done.text
    assert done.json()["collection"] == "automatic"

    order = await order_when_completed(gateway, cart["id"])
    assert (order["subtotal"], order["tax"], order["total"]) == (
        cart["subtotal"],
        cart["tax"],
        cart["total"],
    )

    old = date.fromisoformat(before["renewal_date"])

    async def renewed() -> dict[str, Any] | None:
        s = await sub(gateway, "sub-nw-cad")
        return s if s["renewal_date"] != before["renewal_date"] else None

    after = await eventually(renewed, timeout=30)
    assert (
        after["renewal_date"] == date(old.year + 1, old.month, old.day).isoformat()
    )  # paid ~40 days early
    assert after["renewal_pending_for"] is None
    events = [
        e["data"]
        for e in envelopes(await read_topic(kafka_bootstrap, "subscription-renewed", min_count=1))
        if e["key"] == "sub-nw-cad"
    ]
    assert len(events) == 1 and events[0]["previous_renewal_date"] == before["renewal_date"]
