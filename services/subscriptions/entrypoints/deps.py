"""What every subscriptions route needs: a unit of work, and the list's filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from services.subscriptions.adapters.repository import ListQuery
from services.subscriptions.entrypoints.schemas import (
    KindName,
    PurchaseMethodName,
    SortName,
    StatusName,
    TermName,
)
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.runtime import uow_for_request

UowDep = Annotated[SubscriptionsUnitOfWork, Depends(uow_for_request)]


def list_query(
    product: Annotated[
        str | None, Query(max_length=200, description="Product code or name")
    ] = None,
    status: Annotated[list[StatusName] | None, Query(description="Repeat for several")] = None,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
    term: TermName | None = None,
    auto_renew: bool | None = None,
    payment_method_id: Annotated[str | None, Query(max_length=64)] = None,
    payment_method_kind: KindName | None = None,
    purchase_method: PurchaseMethodName | None = None,
    expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    csn: Annotated[str | None, Query(max_length=32)] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    contract_id: Annotated[str | None, Query(max_length=64)] = None,
    partner_csn: Annotated[str | None, Query(max_length=32)] = None,
    payment_error: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Free-text search")] = None,
    sort: Annotated[
        SortName, Query(description="Field, '-' prefix for descending")
    ] = "renewal_date",
) -> ListQuery:
    return ListQuery(
        product=product,
        status=list(status or []),
        team_id=team_id,
        term=term,
        auto_renew=auto_renew,
        payment_method_id=payment_method_id,
        payment_method_kind=payment_method_kind,
        purchase_method=purchase_method,
        expiring_within_days=expiring_within_days,
        csn=csn,
        currency=currency,
        contract_id=contract_id,
        partner_csn=partner_csn,
        payment_error=payment_error,
        q=q,
        sort=str(sort).lstrip("-"),
        descending=str(sort).startswith("-"),
    )


QueryDep = Annotated[ListQuery, Depends(list_query)]
