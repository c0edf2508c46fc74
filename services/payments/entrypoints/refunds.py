"""Refunds of credit notes, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.payments.entrypoints.deps import ChargesPrincipal, UowDep
from services.payments.entrypoints.schemas import RefundOut
from shared.pagination import Page, PageDep, page_of

router = APIRouter(prefix="/v1/refunds", tags=["charges"])


@router.get("", response_model=Page[RefundOut], summary="Refunds of credit notes, newest first")
async def list_refunds(
    principal: ChargesPrincipal,
    page: PageDep,
    uow: UowDep,
    invoice_id: Annotated[str | None, Query(description="Only the refunds of this invoice")] = None,
) -> Page[RefundOut]:
    items, total = await uow.refunds.list(
        principal.csn, limit=page.limit, offset=page.offset, invoice_id=invoice_id
    )
    return page_of([RefundOut.model_validate(r) for r in items], total, page)
