"""Loads the demo customers' billing details (idempotent)."""

from __future__ import annotations

from services.invoicing.domain.model import Customer
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.demo import demo_accounts


async def load(uow: InvoicingUnitOfWork) -> None:
    async with uow:
        for account in demo_accounts():
            if await uow.customers.get(account["csn"]) is not None:
                continue
            address = account["billing_address"]
            uow.customers.add(
                Customer(
                    csn=account["csn"],
                    company_name=account["company_name"],
                    address_line1=address["line1"],
                    city=address["city"],
                    postal_code=address["postal_code"],
                    region=address["region"],
                    country=address["country"],
                    net_terms_days=account["net_terms_days"],
                )
            )
        await uow.commit()
