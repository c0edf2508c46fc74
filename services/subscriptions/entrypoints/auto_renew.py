"""Auto-renew on or off, for one subscription or up to 100 (R-SUB-4, R-SUB-5, R-SUB-9)."""

from __future__ import annotations

from fastapi import APIRouter

from services.subscriptions.entrypoints.deps import UowDep
from services.subscriptions.entrypoints.schemas import (
    AutoRenewIn,
    BulkAutoRenewIn,
    BulkOut,
    SubscriptionOut,
    bulk_out,
    subscription_out,
)
from services.subscriptions.service_layer import views
from services.subscriptions.service_layer.changes import set_auto_renew
from services.subscriptions.service_layer.commands import SetAutoRenew
from shared.errors import DomainError, NotFound
from shared.http import CurrentPrincipal

router = APIRouter(tags=["subscriptions"])


@router.put(
    "/v1/subscriptions/{subscription_id}/auto-renew",
    response_model=SubscriptionOut,
    summary="Turn auto-renew on or off (R-SUB-4, R-SUB-5, R-SUB-9)",
)
async def put_auto_renew(
    subscription_id: str, body: AutoRenewIn, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    cmd = SetAutoRenew(principal.csn, principal.subject, [subscription_id], body.auto_renew)
    [outcome] = await set_auto_renew(cmd, uow)
    if outcome.outcome == "not_found":
        raise NotFound("subscription", subscription_id)
    if outcome.outcome == "refused":
        raise DomainError(outcome.code or "refused", outcome.message or "", status=409)
    view = await views.visible_subscription(principal, subscription_id, uow)
    return subscription_out(view, principal.sees_billing_data)


@router.post(
    "/v1/subscriptions/auto-renew",
    response_model=BulkOut,
    summary="Auto-renew on or off for up to 100 subscriptions (R-SUB-4)",
)
async def bulk_auto_renew(
    body: BulkAutoRenewIn, principal: CurrentPrincipal, uow: UowDep
) -> BulkOut:
    cmd = SetAutoRenew(principal.csn, principal.subject, body.subscription_ids, body.auto_renew)
    return bulk_out(await set_auto_renew(cmd, uow))
