"""Saved payment methods (R-PAY-1): list the active ones, save one from a provider token,
modify, make default, delete. Card data is refused before it is even parsed."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from services.payments.entrypoints.deps import BillingPrincipal, ProviderDep, UowDep
from services.payments.entrypoints.schemas import (
    PaymentMethodIn,
    PaymentMethodOut,
    PaymentMethodPatch,
)
from services.payments.service_layer import methods
from shared.card_data import CardDataRefused, carries_card_data
from shared.errors import DomainError, NotFound
from shared.pagination import Page, PageDep, page_of


class RefusingCardData(APIRoute):
    """Refuses a body that carries a card number or security code anywhere, before it is
    parsed, validated or could reach a log or a table (R-PAY-1)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            body = await request.body()  # cached: the route reads the same bytes
            if body and carries_card_data(body.decode("utf-8", errors="replace")):
                raise CardDataRefused()
            return await handle(request)

        return guarded


router = APIRouter(
    prefix="/v1/payment-methods", tags=["payment-methods"], route_class=RefusingCardData
)


@router.get("", response_model=Page[PaymentMethodOut], summary="Active saved payment methods")
async def list_payment_methods(
    principal: BillingPrincipal, page: PageDep, uow: UowDep
) -> Page[PaymentMethodOut]:
    items, total = await uow.payment_methods.list_active(
        principal.csn, limit=page.limit, offset=page.offset
    )
    today = uow.clock.today()
    return page_of([PaymentMethodOut.of(m, today) for m in items], total, page)


@router.post("", response_model=PaymentMethodOut, status_code=201, summary="Save a payment method")
async def add_payment_method(
    body: PaymentMethodIn,
    principal: BillingPrincipal,
    uow: UowDep,
    provider: ProviderDep,
) -> PaymentMethodOut:
    method = await methods.add_payment_method(
        methods.AddPaymentMethod(
            csn=principal.csn,
            kind=body.kind,
            provider_token=body.provider_token,
            holder_name=body.holder_name,
            make_default=body.make_default,
        ),
        uow,
        provider,
    )
    return PaymentMethodOut.of(method, uow.clock.today())


@router.get("/{method_id}", response_model=PaymentMethodOut, summary="One saved payment method")
async def get_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    method = await uow.payment_methods.get(principal.csn, method_id)
    if method is None or not method.is_active:
        raise NotFound("payment_method", method_id)
    return PaymentMethodOut.of(method, uow.clock.today())


@router.patch(
    "/{method_id}",
    response_model=PaymentMethodOut,
    summary="Change the holder name, the expiry of a reissued card, or make it the default",
)
async def modify_payment_method(
    method_id: str, body: PaymentMethodPatch, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    if not body.model_fields_set:
        raise DomainError(
            "nothing_to_change", "Give holder_name, exp_month/exp_year or is_default.", status=422
        )
    method = await methods.modify_payment_method(
        methods.ModifyPaymentMethod(
            csn=principal.csn,
            method_id=method_id,
            holder_name=body.holder_name,
            exp_month=body.exp_month,
            exp_year=body.exp_year,
            make_default=bool(body.is_default),
        ),
        uow,
    )
    return PaymentMethodOut.of(method, uow.clock.today())


@router.post(
    "/{method_id}/default",
    response_model=PaymentMethodOut,
    summary="Make it the account's default payment method",
)
async def set_default_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    method = await methods.set_default_payment_method(principal.csn, method_id, uow)
    return PaymentMethodOut.of(method, uow.clock.today())


@router.delete(
    "/{method_id}",
    status_code=204,
    summary="Delete a saved method (refused while it pays for an auto-renewing subscription)",
)
async def delete_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> Response:
    await methods.delete_payment_method(principal.csn, method_id, uow)
    return Response(status_code=204)
