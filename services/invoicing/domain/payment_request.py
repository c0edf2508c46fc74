"""Paying an open invoice from the invoices tab with a saved method (R-INV-2): invoicing
records the request and asks payments to charge it; payments answers with the outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.invoicing.domain.model import Invoice, InvoiceStatus, invoice_not_open
from shared.errors import DomainError
from shared.money import Money


class PaymentRequestStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(eq=False)
class PaymentRequest:
    id: str  # payments charges it once, keyed by this id
    invoice_id: str
    csn: str
    currency: str
    amount: int
    payment_method_id: str
    requested_by: str
    requested_at: datetime
    status: PaymentRequestStatus = PaymentRequestStatus.PENDING
    charge_id: str | None = None
    failure_reason: str | None = None
    settled_at: datetime | None = None

    @classmethod
    def for_invoice(
        cls,
        invoice: Invoice,
        pending: list[PaymentRequest],
        *,
        amount: int | None,
        payment_method_id: str,
        requested_by: str,
        now: datetime,
    ) -> PaymentRequest:
        """Full amount due by default, or part of it; never more than is still unpaid once
        the payments already in progress are counted, so an invoice is never paid twice."""
        if invoice.status != InvoiceStatus.OPEN:
            raise invoice_not_open(invoice)
        in_progress = sum(p.amount for p in pending)
        payable = invoice.amount_due - in_progress
        if payable <= 0:
            raise DomainError(
                "payment_in_progress",
                f"Payments of {Money(in_progress, invoice.currency)} for invoice "
                f"{invoice.number} are being processed; "
                "wait for their result before paying again.",
            )
        amount = payable if amount is None else amount
        if amount > payable:
            raise DomainError(
                "amount_exceeds_amount_due",
                f"Invoice {invoice.number} has {Money(payable, invoice.currency)} left to pay; "
                "pay at most that.",
                status=422,
            )
        return cls(
            id=str(uuid.uuid4()),
            invoice_id=invoice.id,
            csn=invoice.csn,
            currency=invoice.currency,
            amount=amount,
            payment_method_id=payment_method_id,
            requested_by=requested_by,
            requested_at=now,
        )

    def succeed(self, charge_id: str, now: datetime) -> None:
        if self.status == PaymentRequestStatus.PENDING:
            self.status, self.charge_id, self.settled_at = (
                PaymentRequestStatus.SUCCEEDED,
                charge_id,
                now,
            )

    def fail(self, charge_id: str, reason: str, now: datetime) -> None:
        if self.status == PaymentRequestStatus.PENDING:
            self.status, self.charge_id, self.settled_at = (
                PaymentRequestStatus.FAILED,
                charge_id,
                now,
            )
            self.failure_reason = reason


def answered_request(
    pending: list[PaymentRequest],
    *,
    request_id: str | None,
    amount: int,
    payment_method_id: str | None,
) -> PaymentRequest | None:
    """Which pending request a charge outcome answers: by id when payments echoes it, else
    the oldest one for the same amount and method (payments' events carry the invoice id)."""
    if request_id:
        return next((p for p in pending if p.id == request_id), None)
    same = [p for p in pending if p.amount == amount and p.payment_method_id == payment_method_id]
    return min(same, key=lambda p: p.requested_at, default=None)
