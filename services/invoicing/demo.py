"""Loads the demo customers' billing details (idempotent) and announces each new one."""

from __future__ import annotations

from services.invoicing.domain.model import Customer
from services.invoicing.service_layer.messages import customer_changed
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.demo import demo_accounts


async def load(uow: InvoicingUnitOfWork) -> None:
    async with uow:
        for account in demo_accounts():
            if await uow.customers.get(account["csn"]) is not None:
                continue
            address = account["billing_address"]
            customer = Customer(
                csn=account["csn"],
                company_name=account["company_name"],
                address_line1=address["line1"],
                address_line2=address.get("line2"),
                city=address["city"],
                postal_code=address.get("postal_code"),
                region=address.get("region"),
                country=address["country"],
                net_terms_days=account["net_terms_days"],
                tax_id=account.get("tax_id"),
            )
            uow.customers.add(customer)
            uow.publish(customer_changed(customer))  # quotes estimate tax from it (R-INV-5)
        await uow.commit()
