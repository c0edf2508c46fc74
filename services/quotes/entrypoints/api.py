from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.errors import Forbidden
from shared.http import CurrentPrincipal
from shared.pagination import Page, PageDep
from shared.principal import BILLING_ROLES
from shared.runtime import uow_for_request

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])
UowDep = Annotated[QuotesUnitOfWork, Depends(uow_for_request)]


class QuoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    origin: str
    status: str
    currency: str
    total: int
    expiry_date: date
    partner_csn: str | None


@router.get("", response_model=Page[QuoteOut], summary="Active quotes of the account (R-QUO-1)")
async def list_quotes(principal: CurrentPrincipal, page: PageDep, uow: UowDep) -> Page[QuoteOut]:
    if not principal.has_any(BILLING_ROLES):
        raise Forbidden("Quotes are visible to admins, contract managers and buyers (R-ROLE-1).")
    items, total = await uow.quotes.list_active(
        principal.csn, uow.clock.today(), limit=page.limit, offset=page.offset
    )
    return Page(
        items=[QuoteOut.model_validate(q) for q in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
