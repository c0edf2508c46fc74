"""Spending summary (R-SUM-4): computed from this service's invoices and payments."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from services.invoicing.adapters.repository import spending_figures
from services.invoicing.domain.spending import month_starts, summarise
from services.invoicing.entrypoints.deps import BillingViewer, UowDep

router = APIRouter(prefix="/v1/spending-summary", tags=["spending"])


class MonthTotalsOut(BaseModel):
    currency: str
    payments_due: int
    payment_errors: int
    payments_made: int


class MonthOut(BaseModel):
    month: str
    totals: list[MonthTotalsOut]


class SpendingOut(BaseModel):
    as_of: date
    months: list[MonthOut]


@router.get(
    "",
    response_model=SpendingOut,
    summary="The last five months and the current one: due, payment errors, made",
)
async def get_spending(principal: BillingViewer, uow: UowDep) -> SpendingOut:
    today = uow.clock.today()
    figures = await spending_figures(uow.session, principal.csn, month_starts(today)[0])
    months = summarise(figures, today)
    return SpendingOut.model_validate({"as_of": today, "months": months}, from_attributes=True)
