"""Renewal carts: a manual renewal with prices, tax and total, then one order at checkout
(R-SUB-10, R-SUB-11, R-SUB-12)."""

from __future__ import annotations

from fastapi import APIRouter

from services.subscriptions.entrypoints.deps import UowDep
from services.subscriptions.entrypoints.schemas import CartOut, CheckoutIn, SelectionIn, cart_out
from services.subscriptions.service_layer import carts
from services.subscriptions.service_layer.commands import CheckOutRenewalCart, CreateRenewalCart
from shared.http import CurrentPrincipal

router = APIRouter(tags=["subscriptions"])


@router.post(
    "/v1/renewal-carts",
    response_model=CartOut,
    status_code=201,
    summary="Put a manual renewal in a cart: prices, tax, total (R-SUB-10, R-SUB-11)",
)
async def create_cart(body: SelectionIn, principal: CurrentPrincipal, uow: UowDep) -> CartOut:
    cmd = CreateRenewalCart(principal.csn, principal.subject, body.subscription_ids)
    return cart_out(await carts.create_cart(cmd, uow))


@router.get("/v1/renewal-carts/{cart_id}", response_model=CartOut, summary="One renewal cart")
async def get_cart(cart_id: str, principal: CurrentPrincipal, uow: UowDep) -> CartOut:
    return cart_out(await carts.get_cart(principal.csn, cart_id, uow))


@router.post(
    "/v1/renewal-carts/{cart_id}/checkout",
    response_model=CartOut,
    status_code=202,
    summary="Complete the purchase: one order for the cart (R-SUB-10, R-SUB-12)",
)
async def checkout(
    cart_id: str, body: CheckoutIn, principal: CurrentPrincipal, uow: UowDep
) -> CartOut:
    cmd = CheckOutRenewalCart(principal.csn, principal.subject, cart_id, body.payment_method_id)
    return cart_out(await carts.checkout_cart(cmd, uow))
