"""Charges of the account, newest first (R-PAY-4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.payments.entrypoints.deps import ChargesPrincipal, UowDep
from services.payments.entrypoints.schemas import ChargeOut
from shared.pagination import Page, PageDep, page_of

router = APIRouter(prefix="/v1/charges", tags=["charges"])


@router.get("", response_model=Page[ChargeOut], summary="Charges of the account, newest first")
async def list_charges(
    principal: ChargesPrincipal,
    page: PageDep,
    uow: UowDep,
    invoice_id: Annotated[str | None, Query(description="Only the charges of this invoice")] = None,
) -> Page[ChargeOut]:
    items, total = await uow.charges.list(
        principal.csn, limit=page.limit, offset=page.offset, invoice_id=invoice_id
    )
    return page_of([ChargeOut.model_validate(c) for c in items], total, page)
