"""Loads the demo subscriptions, teams and price list (idempotent: existing rows are left
alone) and publishes a subscription-changed snapshot of each new subscription, so that the
other services' projections start complete. The projections of payment methods and billing
addresses are seeded from the same demo file, older than any event (events win)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import BillingAddressView, PaymentMethodView, Price, Team
from services.subscriptions.service_layer.messages import subscription_changed
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.demo import DEMO_FILE, demo_accounts

CATALOG_FILE = DEMO_FILE.parent / "catalog.json"
SEEDED = "0000-00-00T00:00:00"  # older than any event's occurred_at


def _method_label(pm: dict[str, Any]) -> str:
    if pm.get("last4"):
        return f"{str(pm.get('brand') or pm['kind']).title()} •••• {pm['last4']}"
    return str(pm["kind"]).replace("_", " ")


async def load(uow: SubscriptionsUnitOfWork) -> None:
    async with uow:
        today = uow.clock.today()
        for row in json.loads(CATALOG_FILE.read_text())["prices"]:
            for term in Term:
                if row.get(term.value) is None:
                    continue
                key = (row["product_code"], term, row["currency"])
                if await uow.subscriptions.price(*key) is None:
                    uow.subscriptions.add(Price(*key, unit_price_amount=row[term.value]))
        for account in demo_accounts():
            methods = await _load_projections(uow, account)
            for team in account["teams"]:
                if await uow.session.get(Team, team["id"]) is None:
                    uow.subscriptions.add_team(
                        Team(id=team["id"], csn=account["csn"], name=team["name"])
                    )
            for s in account["subscriptions"]:
                if await uow.session.get(Subscription, s["id"]) is not None:
                    continue
                sub = _subscription(s, account, today)
                uow.subscriptions.add(sub)
                uow.publish(subscription_changed(sub, methods.get(s["payment_method_id"] or "")))
        await uow.commit()


async def _load_projections(
    uow: SubscriptionsUnitOfWork, account: dict[str, Any]
) -> dict[str, PaymentMethodView]:
    """The account's payment methods and billing address, as if payments and invoicing had
    announced them before any event."""
    csn = account["csn"]
    methods: dict[str, PaymentMethodView] = {}
    for pm in account["payment_methods"]:
        method = await uow.subscriptions.method(pm["id"])
        if method is None:
            kind = PaymentMethodKind(pm["kind"])
            method = PaymentMethodView(
                id=pm["id"],
                csn=csn,
                kind=kind,
                label=_method_label(pm),
                recurring=kind.recurring,
                valid=True,
                active=True,
                version_at=SEEDED,
            )
            uow.subscriptions.add(method)
        methods[pm["id"]] = method
    if await uow.subscriptions.address(csn) is None:
        address = account["billing_address"]
        uow.subscriptions.add(
            BillingAddressView(csn, address["country"], address.get("region"), SEEDED)
        )
    return methods


def _subscription(s: dict[str, Any], account: dict[str, Any], today: date) -> Subscription:
    term = Term(s["term"])
    renewal = today + timedelta(days=s["renewal_in_days"])
    return Subscription(
        id=s["id"],
        csn=account["csn"],
        team_id=s["team_id"],
        product_code=s["product_code"],
        product_name=s["product_name"],
        seats=s["seats"],
        term=term,
        unit_price_amount=s["unit_price"],
        currency=account["currency"],
        auto_renew=s["auto_renew"],
        start_date=renewal - timedelta(days=30 * term.months),
        renewal_date=renewal,
        status=Status(s["status"]),
        purchase_method=PurchaseMethod(s["purchase_method"]),
        payment_method_id=s["payment_method_id"],
        contract_id=s.get("contract_id"),
        partner_csn=s.get("partner_csn"),
        assigned_to=s.get("assigned_to"),
        expired_on=renewal if s["status"] == "expired" else None,
    )
