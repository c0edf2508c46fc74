"""Refunds of credit notes (R-INV-3): money sent back on succeeded charges."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.payments.domain.model import Charge


def refund_idempotency_key(credit_note_id: str, charge_id: str) -> str:
    return f"credit-note:{credit_note_id}:charge:{charge_id}"


def refund_id_for(idempotency_key: str) -> str:
    return f"re-{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}"


class RefundStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(eq=False)
class Refund:
    """Money sent back on a succeeded charge for a credit note that refunds (R-INV-3)."""

    id: str
    csn: str
    invoice_id: str
    charge_id: str
    credit_note_id: str
    idempotency_key: str
    amount: int
    currency: str
    created_at: datetime
    updated_at: datetime
    status: RefundStatus = RefundStatus.PENDING
    provider_refund_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    lease_until: datetime | None = None
    correlation_id: str | None = None
    causation_id: str | None = None

    @classmethod
    def of_charge(
        cls, charge: Charge, credit_note_id: str, amount: int, now: datetime, **trace: str | None
    ) -> Refund:
        key = refund_idempotency_key(credit_note_id, charge.id)
        return cls(
            id=refund_id_for(key),
            csn=charge.csn,
            invoice_id=charge.invoice_id,
            charge_id=charge.id,
            credit_note_id=credit_note_id,
            idempotency_key=key,
            amount=amount,
            currency=charge.currency,
            created_at=now,
            updated_at=now,
            correlation_id=trace.get("correlation_id"),
            causation_id=trace.get("causation_id"),
        )

    @property
    def is_open(self) -> bool:
        return self.status in (RefundStatus.PENDING, RefundStatus.PROCESSING)

    def start_processing(self, now: datetime, lease_until: datetime) -> None:
        self.status = RefundStatus.PROCESSING
        self.lease_until = lease_until
        self.updated_at = now

    def release(self, now: datetime) -> None:
        self.lease_until = now
        self.updated_at = now

    def succeed(self, provider_refund_id: str, now: datetime) -> bool:
        if not self.is_open:
            return False
        self.status = RefundStatus.SUCCEEDED
        self.provider_refund_id = provider_refund_id
        self.lease_until, self.updated_at = None, now
        return True

    def fail(self, code: str, message: str, now: datetime) -> bool:
        if not self.is_open:
            return False
        self.status = RefundStatus.FAILED
        self.failure_code, self.failure_message = code, message
        self.lease_until, self.updated_at = None, now
        return True


def allocate_refund(
    amount: int, refundable: list[tuple[Charge, int]]
) -> tuple[list[tuple[Charge, int]], int]:
    """Spread a refund over succeeded charges, newest first, never more than what is left on
    each; returns the shares and what could not be placed."""
    shares: list[tuple[Charge, int]] = []
    left = amount
    for charge, available in sorted(refundable, key=lambda ca: ca[0].created_at, reverse=True):
        share = min(left, available)
        if share > 0:
            shares.append((charge, share))
            left -= share
    return shares, left
