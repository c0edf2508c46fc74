"""Corrections and credit (R-INV-1, R-INV-3): credit notes issued by billing agents, credit
applied to open invoices, and cancellation of an open invoice nothing was paid on."""

from __future__ import annotations

from dataclasses import dataclass

from services.invoicing.domain.credit_note import (
    CreditDraft,
    CreditNote,
    TaxBasis,
    check_creditable,
    credit_note_number,
)
from services.invoicing.domain.model import Invoice, InvoiceStatus
from services.invoicing.service_layer.messages import (
    credit_note_issued,
    invoice_cancelled,
    invoice_paid,
)
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import DomainError, NotFound
from shared.money import Money


@dataclass(frozen=True)
class IssueCreditNote:
    csn: str
    reason: str
    issued_by: str
    invoice_id: str | None = None
    refund: bool = False
    amount: int | None = None  # including tax
    lines: list[CreditDraft] | None = None  # before tax
    currency: str | None = None  # needed without an invoice


@dataclass(frozen=True)
class Allocation:
    invoice_id: str
    amount: int


@dataclass(frozen=True)
class ApplyCredit:
    csn: str
    credit_note_id: str
    allocations: list[Allocation]
    applied_by: str


async def _payable(invoice: Invoice, uow: InvoicingUnitOfWork) -> int:
    """What credit may still cover: the amount due less payments already in progress."""
    pending = await uow.payment_requests.for_invoice(invoice.id, pending_only=True)
    return invoice.amount_due - sum(p.amount for p in pending)


async def _apply(
    note: CreditNote, invoice: Invoice, amount: int, by: str, uow: InvoicingUnitOfWork
) -> None:
    payable = await _payable(invoice, uow)
    if note.apply_to(invoice, amount, payable=payable, now=uow.clock.now(), applied_by=by):
        uow.publish(invoice_paid(invoice))  # credit was the last part (R-INV-2)


async def issue_credit_note(cmd: IssueCreditNote, uow: InvoicingUnitOfWork) -> CreditNote:
    """A credit note on an open invoice reduces what is due at once; on a paid one it is
    credit on the account, or a refund to the card when asked (payments refunds it)."""
    customer = await uow.customers.get(cmd.csn)
    if customer is None:
        raise NotFound("customer", cmd.csn)
    invoice = await _invoice_to_correct(cmd, uow)
    if invoice is not None:
        basis, currency = TaxBasis(invoice.tax_rate, invoice.tax_name), invoice.currency
    else:
        rule = customer.tax_rule()
        basis, currency = TaxBasis(rule.rate, rule.name), cmd.currency or ""
    note = CreditNote.issue(
        csn=cmd.csn,
        number=credit_note_number(cmd.csn, await uow.numbers.next(cmd.csn, "credit_note")),
        currency=currency,
        reason=cmd.reason,
        basis=basis,
        drafts=cmd.lines,
        gross_amount=cmd.amount,
        invoice=invoice,
        refund=cmd.refund,
        bill_to="\n".join(customer.address_lines()),  # a new document: today's address
        issued_by=cmd.issued_by,
        now=uow.clock.now(),
    )
    if invoice is not None:
        credited, refunded = await uow.credit_notes.on_invoice(invoice.id)
        check_creditable(
            invoice, note.total, credited=credited, refunded=refunded, refund=cmd.refund
        )
    uow.credit_notes.add(note)
    uow.publish(credit_note_issued(note))
    if invoice is not None and not cmd.refund and invoice.status == InvoiceStatus.OPEN:
        amount = min(note.balance, await _payable(invoice, uow))
        if amount > 0:
            await _apply(note, invoice, amount, cmd.issued_by, uow)
    await uow.commit()
    return note


async def _invoice_to_correct(cmd: IssueCreditNote, uow: InvoicingUnitOfWork) -> Invoice | None:
    if cmd.invoice_id is None:
        if cmd.refund:
            raise DomainError(
                "refund_needs_paid_invoice",
                "A refund goes back through the paid invoice's payment: give its invoice_id.",
                status=422,
            )
        if not cmd.currency:
            raise DomainError(
                "currency_required",
                "A credit note without an invoice needs its currency.",
                status=422,
            )
        return None
    invoice = await uow.invoices.get_for_update(cmd.invoice_id, csn=cmd.csn)
    if invoice is None:
        raise NotFound("invoice", cmd.invoice_id)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise DomainError(
            "invoice_cancelled", f"Invoice {invoice.number} is cancelled; nothing to credit."
        )
    if cmd.currency and cmd.currency != invoice.currency:
        raise DomainError(
            "currency_mismatch",
            f"Invoice {invoice.number} is in {invoice.currency}; credit it in that currency.",
            status=422,
        )
    return invoice


async def apply_credit(cmd: ApplyCredit, uow: InvoicingUnitOfWork) -> CreditNote:
    """Spread one credit note over open invoices (R-INV-3). The note's row lock makes two
    applications of it run one after the other: the balance never goes below zero; invoices
    are locked in id order, so two applications never wait on each other in a circle."""
    note = await uow.credit_notes.get_for_update(cmd.csn, cmd.credit_note_id)
    if note is None:
        raise NotFound("credit_note", cmd.credit_note_id)
    wanted = sum(a.amount for a in cmd.allocations)
    if wanted > note.balance:
        raise DomainError(
            "credit_balance_insufficient",
            f"Credit note {note.number} has {Money(note.balance, note.currency)} left; "
            f"{Money(wanted, note.currency)} was asked for.",
        )
    for allocation in sorted(cmd.allocations, key=lambda a: a.invoice_id):
        invoice = await uow.invoices.get_for_update(allocation.invoice_id, csn=cmd.csn)
        if invoice is None:
            raise NotFound("invoice", allocation.invoice_id)
        await _apply(note, invoice, allocation.amount, cmd.applied_by, uow)
    await uow.commit()
    return note


async def cancel_invoice(
    csn: str, invoice_id: str, reason: str, uow: InvoicingUnitOfWork
) -> Invoice:
    """Only an open invoice with nothing paid, credited or being paid (R-INV-1)."""
    invoice = await uow.invoices.get_for_update(invoice_id, csn=csn)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    if await uow.payment_requests.for_invoice(invoice.id, pending_only=True):
        raise DomainError(
            "payment_in_progress",
            f"A payment of invoice {invoice.number} is being processed; wait for its result.",
        )
    invoice.cancel(reason, uow.clock.now())
    uow.publish(invoice_cancelled(invoice))
    await uow.commit()
    return invoice
