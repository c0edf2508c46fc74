"""Loads the demo subscriptions and teams (idempotent: existing rows are left alone)."""

from __future__ import annotations

from datetime import timedelta

from services.subscriptions.domain.model import (
    PaymentMethodKind,
    PurchaseMethod,
    Status,
    Subscription,
    Team,
    Term,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.demo import demo_accounts


async def load(uow: SubscriptionsUnitOfWork) -> None:
    async with uow:
        today = uow.clock.today()
        for account in demo_accounts():
            csn = account["csn"]
            kinds = {pm["id"]: PaymentMethodKind(pm["kind"]) for pm in account["payment_methods"]}
            for team in account["teams"]:
                if await uow.session.get(Team, team["id"]) is None:
                    uow.subscriptions.add_team(Team(id=team["id"], csn=csn, name=team["name"]))
            for s in account["subscriptions"]:
                if await uow.session.get(Subscription, s["id"]) is not None:
                    continue
                term = Term(s["term"])
                renewal = today + timedelta(days=s["renewal_in_days"])
                uow.subscriptions.add(
                    Subscription(
                        id=s["id"],
                        csn=csn,
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
                        payment_method_kind=kinds.get(s["payment_method_id"]),
                        partner_csn=s.get("partner_csn"),
                        assigned_to=s.get("assigned_to"),
                    )
                )
        await uow.commit()
