"""Upcoming payments (R-PAY-2) and what is due by status for a chart (R-PAY-3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.payments.domain.upcoming import Schedule, UpcomingStatus, chart
from services.payments.entrypoints.deps import BillingPrincipal, UowDep
from services.payments.entrypoints.schemas import (
    ChartBarOut,
    ChartOut,
    ChartSeriesOut,
    StatusAmounts,
    UpcomingPage,
    UpcomingPaymentOut,
)
from services.payments.service_layer.upcoming import upcoming_for
from shared.pagination import PageDep, page_of

router = APIRouter(prefix="/v1/upcoming-payments", tags=["upcoming-payments"])
Days = Annotated[int, Query(ge=1, le=90, description="How far ahead: 30 or 90 days")]


@router.get(
    "",
    response_model=UpcomingPage,
    summary="Scheduled and unscheduled payments due in the next days, by date (R-PAY-2)",
)
async def list_upcoming_payments(
    principal: BillingPrincipal,
    page: PageDep,
    uow: UowDep,
    days: Days = 30,
    schedule: Annotated[Schedule | None, Query()] = None,
    status: Annotated[UpcomingStatus | None, Query()] = None,
) -> UpcomingPage:
    items = [
        i
        for i in await upcoming_for(principal.csn, days, uow)
        if (schedule is None or i.schedule == schedule) and (status is None or i.status == status)
    ]
    today = uow.clock.today()
    shown = [UpcomingPaymentOut.model_validate(i) for i in items[page.offset :][: page.limit]]
    return UpcomingPage(
        **dict(page_of(shown, len(items), page)),
        start=today,
        end=date.fromordinal(today.toordinal() + days),
    )


@router.get(
    "/chart",
    response_model=ChartOut,
    summary="What is due by status (auto-renew, manual, payment error), per day or week (R-PAY-3)",
)
async def upcoming_payments_chart(
    principal: BillingPrincipal,
    uow: UowDep,
    days: Days = 30,
    bucket: Annotated[Literal["day", "week"], Query()] = "week",
) -> ChartOut:
    today = uow.clock.today()
    items = await upcoming_for(principal.csn, days, uow)
    series = chart(items, today=today, days=days, bucket=bucket)
    return ChartOut(
        start=today,
        end=date.fromordinal(today.toordinal() + days),
        bucket=bucket,
        series=[
            ChartSeriesOut(
                currency=s.currency,
                totals=StatusAmounts.of(s.totals),
                counts=StatusAmounts.of(s.counts),
                bars=[
                    ChartBarOut(
                        start=b.start, end=b.end, **StatusAmounts.of(b.amounts).model_dump()
                    )
                    for b in s.bars
                ],
            )
            for s in series
        ],
    )
