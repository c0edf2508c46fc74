"""Loads the demo price list (the same deploy/demo/catalog.json subscriptions prices term
changes from) and the companies' contacts, to whom partners may send quotes. Idempotent, and
safe when replicas start together."""

from __future__ import annotations

import json

from services.quotes.domain.pricing import Offer
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.demo import DEMO_FILE, demo_accounts, is_contact

CATALOG_FILE = DEMO_FILE.parent / "catalog.json"
TERMS = ("monthly", "annual", "three_year")


async def load(uow: QuotesUnitOfWork) -> None:
    async with uow:
        for row in json.loads(CATALOG_FILE.read_text())["prices"]:
            for term in TERMS:
                if row.get(term) is not None:  # none: not sold on that term there
                    await uow.price_book.add_offer(
                        Offer(
                            row["product_code"],
                            row["product_name"],
                            term,
                            row["currency"],
                            row[term],
                        )
                    )
        for account in demo_accounts():
            for user in filter(is_contact, account["users"]):
                await uow.projections.add_contact(account["csn"], user["subject"], user["name"])
        await uow.commit()
