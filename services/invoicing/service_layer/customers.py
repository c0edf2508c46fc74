"""Customer billing details (R-CUST-1): editable; used for tax at checkout and renewal
(R-INV-5) and printed on documents issued from then on — never on earlier ones."""

from __future__ import annotations

from dataclasses import dataclass

from services.invoicing.domain.model import Customer, unsupported_tax_address
from services.invoicing.service_layer.messages import customer_changed
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.tax import NO_TAX, rule_for

DEFAULT_NET_TERMS_DAYS = 30


@dataclass(frozen=True)
class ChangeCustomerDetails:
    csn: str
    company_name: str
    address_line1: str
    address_line2: str | None
    city: str
    postal_code: str | None
    region: str | None
    country: str
    tax_id: str | None


async def change_customer_details(cmd: ChangeCustomerDetails, uow: InvoicingUnitOfWork) -> Customer:
    """Set the details (first time included) and announce the snapshot to other services."""
    details = {k: v for k, v in vars(cmd).items() if k != "csn"}
    customer = await uow.customers.get_for_update(cmd.csn)
    if customer is None:
        if rule_for(cmd.country, cmd.region) is NO_TAX:
            raise unsupported_tax_address(cmd.country, cmd.region)
        customer = Customer(csn=cmd.csn, net_terms_days=DEFAULT_NET_TERMS_DAYS, **details)
        uow.customers.add(customer)
    else:
        customer.change_details(**details)
    uow.publish(customer_changed(customer))
    await uow.commit()
    return customer
