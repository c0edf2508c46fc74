"""Response shapes of the invoicing API: amounts are integer minor units with a currency."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from services.invoicing.domain.credit_note import CreditNote
from services.invoicing.domain.model import Invoice
from services.invoicing.domain.order import Order, order_status


class InvoiceLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    description: str
    quantity: int
    unit_amount: int
    discount: int
    amount: int
    tax_rate: str
    tax_amount: int
    kind: str | None
    subscription_id: str | None
    renewal_id: str | None
    period_start: date | None
    period_end: date | None


class AppliedPaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    charge_id: str
    amount: int
    applied_at: datetime


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
    amount_credited: int
    amount_refunded: int
    amount_due: int
    issue_date: date
    due_date: date
    bill_to: str
    tax_name: str
    collection: str
    payment_method_id: str | None
    last_payment_error: str | None
    paid_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    order_id: str | None
    lines: list[InvoiceLineOut]
    payments: list[AppliedPaymentOut]

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
            amount_credited=invoice.amount_credited,
            amount_refunded=invoice.amount_refunded,
            amount_due=invoice.amount_due,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            bill_to=invoice.bill_to,
            tax_name=invoice.tax_name,
            collection=invoice.collection,
            payment_method_id=invoice.payment_method_id,
            last_payment_error=invoice.last_payment_error,
            paid_at=invoice.paid_at,
            cancelled_at=invoice.cancelled_at,
            cancellation_reason=invoice.cancellation_reason,
            order_id=invoice.order_id,
            lines=[InvoiceLineOut.model_validate(line) for line in invoice.lines],
            payments=[AppliedPaymentOut.model_validate(p) for p in invoice.payments],
        )


class OrderInvoiceOut(BaseModel):
    id: str
    number: str
    status: str
    amount_due: int
    due_date: date


class OrderOut(BaseModel):
    id: str
    number: str
    kind: str
    status: str
    reference: str | None
    currency: str
    subtotal: int
    tax: int
    total: int
    collection: str
    payment_method_id: str | None
    placed_by: str | None
    placed_at: datetime
    bill_to: str
    invoice: OrderInvoiceOut
    lines: list[InvoiceLineOut] | None = None

    @classmethod
    def of(cls, order: Order, invoice: Invoice, today: date, *, lines: bool) -> OrderOut:
        return cls(
            id=order.id,
            number=order.number,
            kind=order.kind.value,
            status=order_status(invoice),
            reference=order.reference,
            currency=order.currency,
            subtotal=order.subtotal,
            tax=order.tax,
            total=order.total,
            collection=order.collection,
            payment_method_id=order.payment_method_id,
            placed_by=order.placed_by,
            placed_at=order.placed_at,
            bill_to=order.bill_to,
            invoice=OrderInvoiceOut(
                id=invoice.id,
                number=invoice.number,
                status=invoice.display_status(today),
                amount_due=invoice.amount_due,
                due_date=invoice.due_date,
            ),
            lines=[InvoiceLineOut.model_validate(line) for line in invoice.lines]
            if lines
            else None,
        )


class PaymentRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    invoice_id: str
    currency: str
    amount: int
    payment_method_id: str
    requested_by: str
    requested_at: datetime
    status: str
    charge_id: str | None
    failure_reason: str | None
    settled_at: datetime | None


class AppliedCreditOut(BaseModel):
    credit_note_id: str
    credit_note_number: str
    amount: int
    applied_at: datetime


class InvoiceDetailOut(InvoiceOut):
    payment_requests: list[PaymentRequestOut]
    credits: list[AppliedCreditOut]


class CreditNoteLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    description: str
    amount: int
    tax_rate: str
    tax_amount: int


class CreditApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    invoice_id: str
    invoice_number: str
    amount: int
    applied_at: datetime
    applied_by: str


class CreditNoteOut(BaseModel):
    id: str
    number: str
    csn: str
    status: str
    currency: str
    reason: str
    invoice_id: str | None
    invoice_number: str | None
    refund: bool
    subtotal: int
    tax: int
    total: int
    amount_applied: int
    amount_refunded: int
    balance: int
    issue_date: date
    issued_by: str
    bill_to: str
    tax_name: str
    lines: list[CreditNoteLineOut]
    applications: list[CreditApplicationOut]

    @classmethod
    def of(cls, note: CreditNote) -> CreditNoteOut:
        return cls(
            id=note.id,
            number=note.number,
            csn=note.csn,
            status=note.status,
            currency=note.currency,
            reason=note.reason,
            invoice_id=note.invoice_id,
            invoice_number=note.invoice_number,
            refund=note.refund,
            subtotal=note.subtotal,
            tax=note.tax,
            total=note.total,
            amount_applied=note.amount_applied,
            amount_refunded=note.amount_refunded,
            balance=note.balance,
            issue_date=note.issue_date,
            issued_by=note.issued_by,
            bill_to=note.bill_to,
            tax_name=note.tax_name,
            lines=[CreditNoteLineOut.model_validate(line) for line in note.lines],
            applications=[CreditApplicationOut.model_validate(a) for a in note.applications],
        )
