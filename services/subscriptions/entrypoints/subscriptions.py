"""Subscriptions: list, filter and search (R-SUB-2), the dashboard's cards and alerts
(R-SUM-1, R-SUM-2), one subscription, and their CSV export (R-SUB-3). The export routes come
before `/{subscription_id}`, which would otherwise take `export.csv` for an id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.subscriptions.entrypoints.csv_export import (
    CSV_EXAMPLE,
    csv_columns,
    csv_response,
    csv_row,
)
from services.subscriptions.entrypoints.deps import QueryDep, UowDep
from services.subscriptions.entrypoints.schemas import SubscriptionOut, subscription_out
from services.subscriptions.service_layer import views
from shared.http import CurrentPrincipal, file_responses
from shared.pagination import Page, PageDep, page_of

router = APIRouter(tags=["subscriptions"])


@router.get(
    "/v1/subscriptions",
    response_model=Page[SubscriptionOut],
    summary="List, filter and search the account's subscriptions (R-SUB-2)",
)
async def list_subscriptions(
    principal: CurrentPrincipal, page: PageDep, query: QueryDep, uow: UowDep
) -> Page[SubscriptionOut]:
    items, total = await views.list_subscriptions(principal, query, page.limit, page.offset, uow)
    billing = principal.sees_billing_data
    return page_of([subscription_out(v, billing) for v in items], total, page)


@router.get("/v1/subscriptions/summary", summary="Product cards and alerts (R-SUM-1, R-SUM-2)")
async def subscriptions_summary(principal: CurrentPrincipal, uow: UowDep) -> dict[str, Any]:
    return await views.summary(principal, uow)


@router.get(
    "/v1/subscriptions/export.csv",
    summary="CSV of a filtered list, or of a selection with ids=… (R-SUB-3)",
    response_class=StreamingResponse,
    responses=file_responses("text/csv", "One line per subscription", CSV_EXAMPLE),
)
async def export_subscriptions(
    principal: CurrentPrincipal,
    query: QueryDep,
    uow: UowDep,
    ids: Annotated[list[str] | None, Query(max_length=1000, description="A selection")] = None,
) -> StreamingResponse:
    query.ids = [i for raw in ids or [] for i in raw.split(",") if i]
    views.refuse_billing_filters(principal, query)  # before the streamed response starts
    columns, billing = csv_columns(principal), principal.sees_billing_data

    async def rows() -> AsyncIterator[list[list[str]]]:
        async for batch in views.stream_subscriptions(principal, query, uow):
            yield [csv_row(subscription_out(v, billing), columns) for v in batch]

    stamp = uow.clock.today().isoformat()
    return csv_response(rows(), columns, f"subscriptions-{principal.csn}-{stamp}.csv")


@router.get(
    "/v1/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="One subscription (R-SUB-2)",
)
async def get_subscription(
    subscription_id: str, principal: CurrentPrincipal, uow: UowDep
) -> SubscriptionOut:
    view = await views.visible_subscription(principal, subscription_id, uow)
    return subscription_out(view, principal.sees_billing_data)


@router.get(
    "/v1/subscriptions/{subscription_id}/export.csv",
    summary="CSV of one subscription (R-SUB-3)",
    response_class=StreamingResponse,
    responses=file_responses("text/csv", "The subscription as one CSV line", CSV_EXAMPLE),
)
async def export_subscription(
    subscription_id: str, principal: CurrentPrincipal, uow: UowDep
) -> StreamingResponse:
    view = await views.visible_subscription(principal, subscription_id, uow)
    columns = csv_columns(principal)
    row = csv_row(subscription_out(view, principal.sees_billing_data), columns)

    async def rows() -> AsyncIterator[list[list[str]]]:
        yield [row]

    return csv_response(rows(), columns, f"subscription-{view.subscription.id}.csv")
