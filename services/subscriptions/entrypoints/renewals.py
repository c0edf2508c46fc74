"""Manual renewal, first step: which chosen subscriptions can be renewed now, grouped by CSN,
currency and purchase method (R-SUB-11)."""

from __future__ import annotations

from fastapi import APIRouter

from services.subscriptions.entrypoints.deps import UowDep
from services.subscriptions.entrypoints.schemas import (
    GroupOut,
    GroupsOut,
    SelectionIn,
    outcome_out,
)
from services.subscriptions.service_layer import carts
from services.subscriptions.service_layer.commands import GroupRenewals
from shared.http import CurrentPrincipal

router = APIRouter(tags=["subscriptions"])


@router.post(
    "/v1/renewals/groups",
    response_model=GroupsOut,
    summary="Which chosen subscriptions can be renewed, grouped by CSN, currency and purchase method (R-SUB-11)",
)
async def renewal_groups(body: SelectionIn, principal: CurrentPrincipal, uow: UowDep) -> GroupsOut:
    result = await carts.renewal_groups(GroupRenewals(principal.csn, body.subscription_ids), uow)
    return GroupsOut(
        groups=[GroupOut(**g) for g in result.groups],
        ineligible=[outcome_out(o) for o in result.ineligible],
    )
