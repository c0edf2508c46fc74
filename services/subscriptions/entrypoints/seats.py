"""Seats: review a change, then add seats (charged pro rata now) or reduce them at renewal
(R-SEAT-1..3)."""

from __future__ import annotations

from fastapi import APIRouter

from services.subscriptions.entrypoints.deps import UowDep
from services.subscriptions.entrypoints.schemas import SeatsIn, SeatsOut, seats_out
from services.subscriptions.service_layer import views
from services.subscriptions.service_layer.changes import change_seats
from services.subscriptions.service_layer.commands import ChangeSeats
from shared.http import CurrentPrincipal
from shared.principal import Principal

router = APIRouter(tags=["subscriptions"])


def _command(sub_id: str, body: SeatsIn, principal: Principal, preview: bool) -> ChangeSeats:
    return ChangeSeats(
        principal.csn, principal.subject, sub_id, body.seats, body.payment_method_id, preview
    )


@router.post(
    "/v1/subscriptions/{subscription_id}/seats/preview",
    response_model=SeatsOut,
    summary="Review a seat change before submitting it (R-SEAT-1..3)",
)
async def preview_seats(
    subscription_id: str, body: SeatsIn, principal: CurrentPrincipal, uow: UowDep
) -> SeatsOut:
    view = await views.visible_subscription(principal, subscription_id, uow)
    currency = view.subscription.currency
    result = await change_seats(_command(subscription_id, body, principal, True), uow)
    return seats_out(result, subscription_id, currency)


@router.post(
    "/v1/subscriptions/{subscription_id}/seats",
    response_model=SeatsOut,
    status_code=201,
    summary="Add seats (charged pro rata now) or reduce them at renewal (R-SEAT-1..3)",
)
async def submit_seats(
    subscription_id: str, body: SeatsIn, principal: CurrentPrincipal, uow: UowDep
) -> SeatsOut:
    result = await change_seats(_command(subscription_id, body, principal, False), uow)
    return seats_out(result, subscription_id, result.currency)
