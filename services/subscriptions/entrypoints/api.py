"""HTTP routes of the subscriptions service (called by the gateway only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from services.subscriptions.domain.model import Subscription
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.errors import NotFound
from shared.http import CurrentPrincipal
from shared.pagination import Page, PageDep
from shared.principal import BILLING_ROLES
from shared.runtime import uow_for_request

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
UowDep = Annotated[SubscriptionsUnitOfWork, Depends(uow_for_request)]


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    csn: str
    team_id: str
    contract_id: str | None
    product_code: str
    product_name: str
    seats: int
    term: str
    unit_price_amount: int
    currency: str
    auto_renew: bool
    start_date: date
    renewal_date: date
    status: str
    purchase_method: str
    payment_method_id: str | None
    payment_method_kind: str | None
    partner_csn: str | None
    renewal_pending_for: date | None
    payment_error: str | None


def _visible_to(principal: CurrentPrincipal) -> str | None:
    """Plain users see only the subscriptions assigned to them (R-ROLE-1)."""
    return None if principal.has_any(BILLING_ROLES) else principal.subject


@router.get("", response_model=Page[SubscriptionOut], summary="List the account's subscriptions")
async def list_subscriptions(
    principal: CurrentPrincipal, page: PageDep, uow: UowDep
) -> Page[SubscriptionOut]:
    items, total = await uow.subscriptions.list(
        principal.csn, limit=page.limit, offset=page.offset, assigned_to=_visible_to(principal)
    )
    return Page(
        items=[SubscriptionOut.model_validate(s) for s in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="One subscription")
async def get_subscription(
    subscription_id: str, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    sub: Subscription | None = await uow.subscriptions.get(principal.csn, subscription_id)
    viewer = _visible_to(principal)
    if sub is None or (viewer is not None and sub.assigned_to != viewer):
        raise NotFound("subscription", subscription_id)
    return SubscriptionOut.model_validate(sub)
