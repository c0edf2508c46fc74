"""Invoices (R-INV-1): list with status filters, detail with lines and totals; pay one from
the invoices tab (R-INV-2); cancel an open unpaid one (billing agents)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import Field, StringConstraints

from services.invoicing.adapters.pdf import render_invoice
from services.invoicing.entrypoints.deps import (
    BillingAgent,
    BillingViewer,
    DocumentsDep,
    UowDep,
    pdf_response,
)
from services.invoicing.entrypoints.schemas import (
    AppliedCreditOut,
    InvoiceDetailOut,
    InvoiceOut,
    PaymentRequestOut,
)
from services.invoicing.service_layer.credit_notes import cancel_invoice
from services.invoicing.service_layer.payments import PayInvoice, request_payment
from shared.errors import NotFound
from shared.http import RequestBody, file_responses
from shared.pagination import Page, PageDep, page_of

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])

StatusFilter = Literal["open", "paid", "cancelled", "overdue"]


class PayIn(RequestBody):
    payment_method_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="A saved payment method of the account", examples=["pm-acme-visa"]
    )
    amount: int | None = Field(
        default=None, ge=1, description="Minor units; default: the whole amount due"
    )


class CancelIn(RequestBody):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


@router.get("", response_model=Page[InvoiceOut], summary="List the account's invoices")
async def list_invoices(
    principal: BillingViewer,
    page: PageDep,
    uow: UowDep,
    status: Annotated[
        StatusFilter | None,
        Query(description="open includes overdue ones; overdue: open and past the due date"),
    ] = None,
) -> Page[InvoiceOut]:
    today = uow.clock.today()
    items, total = await uow.invoices.list(
        principal.csn, limit=page.limit, offset=page.offset, status=status, today=today
    )
    return page_of([InvoiceOut.of(i, today) for i in items], total, page)


@router.get("/{invoice_id}", response_model=InvoiceDetailOut, summary="One invoice")
async def get_invoice(invoice_id: str, principal: BillingViewer, uow: UowDep) -> InvoiceDetailOut:
    invoice = await uow.invoices.get(principal.csn, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    requests = await uow.payment_requests.for_invoice(invoice.id)
    credits = await uow.credit_notes.applications_to(invoice.id)
    return InvoiceDetailOut(
        **InvoiceOut.of(invoice, uow.clock.today()).model_dump(),
        payment_requests=[PaymentRequestOut.model_validate(r) for r in requests],
        credits=[
            AppliedCreditOut(
                credit_note_id=a.credit_note_id or "",
                credit_note_number=number,
                amount=a.amount,
                applied_at=a.applied_at,
            )
            for a, number in credits
        ],
    )


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses=file_responses("application/pdf", "The tax invoice as a PDF document"),
    summary="The tax invoice as PDF",
)
async def invoice_pdf(
    invoice_id: str, principal: BillingViewer, uow: UowDep, docs: DocumentsDep
) -> Response:
    invoice = await uow.invoices.get(principal.csn, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    order = await uow.orders.for_invoice(invoice.id)
    pdf = render_invoice(
        invoice, docs.seller, today=uow.clock.today(), order=order, font_path=docs.font_path
    )
    return pdf_response(pdf, f"invoice-{invoice.number}.pdf")


@router.post(
    "/{invoice_id}/payments",
    response_model=PaymentRequestOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Pay an open invoice with a saved method (R-INV-2)",
)
async def pay_invoice(
    invoice_id: str, body: PayIn, principal: BillingViewer, uow: UowDep
) -> PaymentRequestOut:
    """Accepted, not done: payments charges the method and the invoice follows its answer."""
    request = await request_payment(
        PayInvoice(
            csn=principal.csn,
            invoice_id=invoice_id,
            payment_method_id=body.payment_method_id,
            amount=body.amount,
            requested_by=principal.subject,
        ),
        uow,
    )
    return PaymentRequestOut.model_validate(request)


@router.post(
    "/{invoice_id}/cancellation",
    response_model=InvoiceOut,
    summary="Cancel an open invoice nothing was paid on (billing agents)",
)
async def cancel(
    invoice_id: str, body: CancelIn, principal: BillingAgent, uow: UowDep
) -> InvoiceOut:
    invoice = await cancel_invoice(principal.csn, invoice_id, body.reason, uow)
    return InvoiceOut.of(invoice, uow.clock.today())
