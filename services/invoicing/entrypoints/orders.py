"""Order history (R-INV-4): every purchase, newest first, with its tax invoice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.invoicing.adapters.pdf import render_order_confirmation
from services.invoicing.domain.model import Invoice
from services.invoicing.domain.order import Order, OrderKind
from services.invoicing.entrypoints.deps import BillingViewer, DocumentsDep, UowDep, pdf_response
from services.invoicing.entrypoints.schemas import OrderOut
from shared.errors import NotFound
from shared.http import file_responses
from shared.pagination import Page, PageDep, page_of

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.get("", response_model=Page[OrderOut], summary="Order history, newest first")
async def list_orders(
    principal: BillingViewer,
    page: PageDep,
    uow: UowDep,
    kind: Annotated[OrderKind | None, Query()] = None,
) -> Page[OrderOut]:
    rows, total = await uow.orders.list(
        principal.csn, limit=page.limit, offset=page.offset, kind=kind
    )
    today = uow.clock.today()
    return page_of([OrderOut.of(o, i, today, lines=False) for o, i in rows], total, page)


@router.get("/{order_id}", response_model=OrderOut, summary="One order with its lines")
async def get_order(order_id: str, principal: BillingViewer, uow: UowDep) -> OrderOut:
    order, invoice = await _order_and_invoice(principal.csn, order_id, uow)
    return OrderOut.of(order, invoice, uow.clock.today(), lines=True)


@router.get(
    "/{order_id}/confirmation.pdf",
    response_class=Response,
    responses=file_responses("application/pdf", "The order confirmation as a PDF document"),
    summary="The order confirmation as PDF",
)
async def order_confirmation_pdf(
    order_id: str, principal: BillingViewer, uow: UowDep, docs: DocumentsDep
) -> Response:
    order, invoice = await _order_and_invoice(principal.csn, order_id, uow)
    pdf = render_order_confirmation(order, invoice, docs.seller, font_path=docs.font_path)
    return pdf_response(pdf, f"order-{order.number}.pdf")


async def _order_and_invoice(csn: str, order_id: str, uow: UowDep) -> tuple[Order, Invoice]:
    order = await uow.orders.get(csn, order_id)
    invoice = await uow.invoices.get(csn, order.invoice_id) if order else None
    if order is None or invoice is None:
        raise NotFound("order", order_id)
    return order, invoice
