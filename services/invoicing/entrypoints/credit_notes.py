"""Credit notes (R-INV-3): issue (billing agents), list, detail, and apply available credit
to one or more open invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import Field, StringConstraints, field_validator

from services.invoicing.adapters.pdf import render_credit_note
from services.invoicing.domain.credit_note import CreditDraft
from services.invoicing.entrypoints.deps import (
    BillingAgent,
    BillingViewer,
    BillingViewerOrAgent,
    DocumentsDep,
    UowDep,
    pdf_response,
)
from services.invoicing.entrypoints.schemas import CreditNoteOut
from services.invoicing.service_layer.credit_notes import (
    Allocation,
    ApplyCredit,
    IssueCreditNote,
    apply_credit,
    issue_credit_note,
)
from shared.errors import NotFound
from shared.http import RequestBody, file_responses
from shared.pagination import Page, PageDep, page_of

router = APIRouter(prefix="/v1/credit-notes", tags=["credit notes"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class CreditLineIn(RequestBody):
    description: Text
    amount: int = Field(ge=1, le=10**12, description="Before tax, minor units")


class CreditNoteIn(RequestBody):
    reason: Text
    invoice_id: str | None = Field(default=None, max_length=36)
    refund: bool = Field(
        default=False, description="Send the money back to the paid invoice's payment method"
    )
    amount: int | None = Field(
        default=None, ge=1, le=10**12, description="Including tax, minor units"
    )
    lines: list[CreditLineIn] | None = Field(default=None, min_length=1, max_length=50)
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="Required without invoice_id"
    )


class AllocationIn(RequestBody):
    invoice_id: str = Field(max_length=36)
    amount: int = Field(ge=1, le=10**12)


class ApplicationIn(RequestBody):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=50)

    @field_validator("allocations")
    @classmethod
    def _one_allocation_per_invoice(cls, value: list[AllocationIn]) -> list[AllocationIn]:
        if len({a.invoice_id for a in value}) != len(value):
            raise ValueError("each invoice may appear once")
        return value


@router.get("", response_model=Page[CreditNoteOut], summary="The account's credit notes")
async def list_credit_notes(
    principal: BillingViewerOrAgent,
    page: PageDep,
    uow: UowDep,
    available: Annotated[bool, Query(description="Only those with credit left")] = False,
) -> Page[CreditNoteOut]:
    items, total = await uow.credit_notes.list(
        principal.csn, limit=page.limit, offset=page.offset, available_only=available
    )
    return page_of([CreditNoteOut.of(n) for n in items], total, page)


@router.get("/{credit_note_id}", response_model=CreditNoteOut, summary="One credit note")
async def get_credit_note(
    credit_note_id: str, principal: BillingViewerOrAgent, uow: UowDep
) -> CreditNoteOut:
    note = await uow.credit_notes.get(principal.csn, credit_note_id)
    if note is None:
        raise NotFound("credit_note", credit_note_id)
    return CreditNoteOut.of(note)


@router.get(
    "/{credit_note_id}/pdf",
    response_class=Response,
    responses=file_responses("application/pdf", "The credit note as a PDF document"),
    summary="The credit note as PDF",
)
async def credit_note_pdf(
    credit_note_id: str, principal: BillingViewerOrAgent, uow: UowDep, docs: DocumentsDep
) -> Response:
    note = await uow.credit_notes.get(principal.csn, credit_note_id)
    if note is None:
        raise NotFound("credit_note", credit_note_id)
    pdf = render_credit_note(note, docs.seller, font_path=docs.font_path)
    return pdf_response(pdf, f"credit-note-{note.number}.pdf")


@router.post(
    "",
    response_model=CreditNoteOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credit note (billing agents)",
)
async def post_credit_note(
    body: CreditNoteIn, principal: BillingAgent, uow: UowDep
) -> CreditNoteOut:
    note = await issue_credit_note(
        IssueCreditNote(
            csn=principal.csn,
            reason=body.reason,
            issued_by=principal.subject,
            invoice_id=body.invoice_id,
            refund=body.refund,
            amount=body.amount,
            lines=[CreditDraft(x.description, x.amount) for x in body.lines]
            if body.lines
            else None,
            currency=body.currency,
        ),
        uow,
    )
    return CreditNoteOut.of(note)


@router.post(
    "/{credit_note_id}/applications",
    response_model=CreditNoteOut,
    status_code=status.HTTP_201_CREATED,
    summary="Apply available credit to open invoices (R-INV-3)",
)
async def post_application(
    credit_note_id: str, body: ApplicationIn, principal: BillingViewer, uow: UowDep
) -> CreditNoteOut:
    note = await apply_credit(
        ApplyCredit(
            csn=principal.csn,
            credit_note_id=credit_note_id,
            allocations=[Allocation(a.invoice_id, a.amount) for a in body.allocations],
            applied_by=principal.subject,
        ),
        uow,
    )
    return CreditNoteOut.of(note)
