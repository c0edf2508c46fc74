"""A saved payment method, linked to several subscriptions at once (R-PAY-1, R-SUB-9)."""

from __future__ import annotations

from fastapi import APIRouter

from services.subscriptions.entrypoints.deps import UowDep
from services.subscriptions.entrypoints.schemas import BulkOut, LinkIn, bulk_out
from services.subscriptions.service_layer.changes import link_payment_method
from services.subscriptions.service_layer.commands import LinkPaymentMethod
from shared.http import CurrentPrincipal

router = APIRouter(tags=["subscriptions"])


@router.post(
    "/v1/payment-methods/{method_id}/subscriptions",
    response_model=BulkOut,
    summary="Pay several subscriptions with one saved method (R-PAY-1, R-SUB-9)",
)
async def link_method(
    method_id: str, body: LinkIn, principal: CurrentPrincipal, uow: UowDep
) -> BulkOut:
    cmd = LinkPaymentMethod(principal.csn, method_id, body.subscription_ids)
    return bulk_out(await link_payment_method(cmd, uow))
