"""HTTP routes of the invoicing service (called by the gateway only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.invoicing.domain.model import Invoice
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import Forbidden, NotFound
from shared.http import CurrentPrincipal
from shared.pagination import Page, PageDep
from shared.principal import BILLING_ROLES, Principal
from shared.runtime import uow_for_request

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])
UowDep = Annotated[InvoicingUnitOfWork, Depends(uow_for_request)]


class InvoiceLineOut(BaseModel):
    description: str
    quantity: int
    unit_amount: int
    amount: int
    tax_rate: str
    tax_amount: int
    subscription_id: str | None
    period_start: date | None
    period_end: date | None


class InvoiceOut(BaseModel):
    id: str
    number: str
    csn: str
    status: str
    currency: str
    subtotal: int
    tax: int
    total: int
    amount_paid: int
    amount_due: int
    issue_date: date
    due_date: date
    bill_to: str
    tax_name: str
    payment_method_id: str | None
    last_payment_error: str | None
    paid_at: datetime | None
    lines: list[InvoiceLineOut]

    @classmethod
    def of(cls, invoice: Invoice, today: date) -> InvoiceOut:
        return cls(
            id=invoice.id,
            number=invoice.number,
            csn=invoice.csn,
            status=invoice.display_status(today),
            currency=invoice.currency,
            subtotal=invoice.subtotal,
            tax=invoice.tax,
            total=invoice.total,
            amount_paid=invoice.amount_paid,
            amount_due=invoice.amount_due,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            bill_to=invoice.bill_to,
            tax_name=invoice.tax_name,
            payment_method_id=invoice.payment_method_id,
            last_payment_error=invoice.last_payment_error,
            paid_at=invoice.paid_at,
            lines=[
                InvoiceLineOut.model_validate(line, from_attributes=True) for line in invoice.lines
            ],
        )


def _billing_viewer(principal: Principal) -> None:
    if not principal.has_any(BILLING_ROLES):
        raise Forbidden("Invoices are visible to admins, contract managers and buyers (R-ROLE-1).")


@router.get("", response_model=Page[InvoiceOut], summary="List the account's invoices")
async def list_invoices(
    principal: CurrentPrincipal,
    page: PageDep,
    uow: UowDep,
    status: Annotated[Literal["open", "paid", "cancelled"] | None, Query()] = None,
) -> Page[InvoiceOut]:
    _billing_viewer(principal)
    items, total = await uow.invoices.list(
        principal.csn, limit=page.limit, offset=page.offset, status=status
    )
    today = uow.clock.today()
    return Page(
        items=[InvoiceOut.of(i, today) for i in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="One invoice with its lines")
async def get_invoice(invoice_id: str, principal: CurrentPrincipal, uow: UowDep) -> InvoiceOut:
    _billing_viewer(principal)
    invoice = await uow.invoices.get(principal.csn, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    return InvoiceOut.of(invoice, uow.clock.today())
