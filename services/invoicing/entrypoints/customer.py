"""Customer details (R-CUST-1): company name and billing address, used for tax (R-INV-5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from services.invoicing.domain.model import Customer
from services.invoicing.entrypoints.deps import BillingViewerOrAgent, PrimaryAdmin, UowDep
from services.invoicing.service_layer.customers import (
    ChangeCustomerDetails,
    change_customer_details,
)
from shared.errors import NotFound
from shared.http import RequestBody

router = APIRouter(prefix="/v1/customer", tags=["customer"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]


class AddressIn(RequestBody):
    line1: Text
    line2: Text | None = None
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    region: Annotated[Code, Field(pattern=r"^[A-Z0-9]{1,3}$")] | None = Field(
        default=None, description="State or province code, e.g. NY, QC"
    )
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    country: Annotated[Code, Field(pattern=r"^[A-Z]{2}$")] = Field(
        description="ISO 3166-1 alpha-2 code", examples=["DE"]
    )


class CustomerIn(RequestBody):
    company_name: Text
    billing_address: AddressIn
    tax_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None


class AddressOut(BaseModel):
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str


class TaxOut(BaseModel):
    name: str
    rate: str


class CustomerOut(BaseModel):
    csn: str
    company_name: str
    billing_address: AddressOut
    tax_id: str | None
    net_terms_days: int
    tax: TaxOut = Field(description="The rule future invoices will apply (R-INV-5)")

    @classmethod
    def of(cls, c: Customer) -> CustomerOut:
        rule = c.tax_rule()
        return cls(
            csn=c.csn,
            company_name=c.company_name,
            billing_address=AddressOut(
                line1=c.address_line1,
                line2=c.address_line2,
                city=c.city,
                region=c.region,
                postal_code=c.postal_code,
                country=c.country,
            ),
            tax_id=c.tax_id,
            net_terms_days=c.net_terms_days,
            tax=TaxOut(name=rule.name, rate=str(rule.rate)),
        )


@router.get("", response_model=CustomerOut, summary="The account's billing details")
async def get_customer(principal: BillingViewerOrAgent, uow: UowDep) -> CustomerOut:
    customer = await uow.customers.get(principal.csn)
    if customer is None:
        raise NotFound("customer", principal.csn)
    return CustomerOut.of(customer)


@router.put("", response_model=CustomerOut, summary="Change company name and billing address")
async def put_customer(body: CustomerIn, principal: PrimaryAdmin, uow: UowDep) -> CustomerOut:
    address = body.billing_address
    customer = await change_customer_details(
        ChangeCustomerDetails(
            csn=principal.csn,
            company_name=body.company_name,
            address_line1=address.line1,
            address_line2=address.line2,
            city=address.city,
            postal_code=address.postal_code or None,
            region=address.region,
            country=address.country,
            tax_id=body.tax_id or None,
        ),
        uow,
    )
    return CustomerOut.of(customer)
