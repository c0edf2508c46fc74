"""A subscription's term, changed from its next renewal (R-SUB-8)."""

from __future__ import annotations

from fastapi import APIRouter

from services.subscriptions.domain.values import Term
from services.subscriptions.entrypoints.deps import UowDep
from services.subscriptions.entrypoints.schemas import SubscriptionOut, TermIn, subscription_out
from services.subscriptions.service_layer import views
from services.subscriptions.service_layer.changes import change_term
from services.subscriptions.service_layer.commands import ChangeTerm
from shared.http import CurrentPrincipal

router = APIRouter(tags=["subscriptions"])


@router.put(
    "/v1/subscriptions/{subscription_id}/term",
    response_model=SubscriptionOut,
    summary="Change the term from the next renewal, at the new price (R-SUB-8)",
)
async def put_term(
    subscription_id: str, body: TermIn, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    await change_term(ChangeTerm(principal.csn, subscription_id, Term(body.term)), uow)
    view = await views.visible_subscription(principal, subscription_id, uow)
    return subscription_out(view, principal.sees_billing_data)
