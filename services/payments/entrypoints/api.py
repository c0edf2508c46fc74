"""HTTP routes of the payments service (called by the gateway only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.errors import Forbidden, NotFound
from shared.http import CurrentPrincipal
from shared.pagination import Page, PageDep
from shared.principal import BILLING_ROLES, Principal
from shared.runtime import uow_for_request

UowDep = Annotated[PaymentsUnitOfWork, Depends(uow_for_request)]


def billing_principal(principal: CurrentPrincipal) -> Principal:
    """A plain user sees no billing data (R-ROLE-1)."""
    if not principal.has_any(BILLING_ROLES):
        raise Forbidden("Payment data is visible to admins, contract managers and buyers only.")
    return principal


BillingPrincipal = Annotated[Principal, Depends(billing_principal)]

methods_router = APIRouter(prefix="/v1/payment-methods", tags=["payment-methods"])
charges_router = APIRouter(prefix="/v1/charges", tags=["charges"])


class PaymentMethodOut(BaseModel):
    """What identifies a saved method to a person; never its provider token (R-PAY-1)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    csn: str
    kind: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    holder_name: str
    is_default: bool
    status: str
    recurring: bool


class ChargeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    csn: str
    invoice_id: str
    attempt: int
    amount: int
    currency: str
    payment_method_id: str
    status: str
    failure_code: str | None
    failure_message: str | None
    provider_charge_id: str | None
    subscription_ids: list[str]
    created_at: datetime
    updated_at: datetime


@methods_router.get(
    "", response_model=Page[PaymentMethodOut], summary="Active saved payment methods"
)
async def list_payment_methods(
    principal: BillingPrincipal, page: PageDep, uow: UowDep
) -> Page[PaymentMethodOut]:
    items, total = await uow.payment_methods.list_active(
        principal.csn, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[PaymentMethodOut.model_validate(m) for m in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@methods_router.get(
    "/{method_id}", response_model=PaymentMethodOut, summary="One saved payment method"
)
async def get_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    method = await uow.payment_methods.get(principal.csn, method_id)
    if method is None or not method.is_active:
        raise NotFound("payment_method", method_id)
    return PaymentMethodOut.model_validate(method)


@charges_router.get(
    "", response_model=Page[ChargeOut], summary="Charges of the account, newest first"
)
async def list_charges(
    principal: BillingPrincipal,
    page: PageDep,
    uow: UowDep,
    invoice_id: Annotated[str | None, Query(description="Only the charges of this invoice")] = None,
) -> Page[ChargeOut]:
    items, total = await uow.charges.list(
        principal.csn, limit=page.limit, offset=page.offset, invoice_id=invoice_id
    )
    return Page(
        items=[ChargeOut.model_validate(c) for c in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
