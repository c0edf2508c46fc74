"""The integration events payments publishes, built from its domain objects."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from services.payments.domain.model import Charge, PaymentMethod
from services.payments.domain.refunds import Refund
from shared.events import PaymentFailed, PaymentMethodChanged, PaymentRefunded, PaymentSucceeded


def _request_id(charge: Charge) -> uuid.UUID | None:
    return uuid.UUID(charge.payment_request_id) if charge.payment_request_id else None


def payment_succeeded(charge: Charge) -> PaymentSucceeded:
    return PaymentSucceeded(
        charge_id=charge.id,
        invoice_id=charge.invoice_id,
        csn=charge.csn,
        amount=charge.amount,
        currency=charge.currency,
        payment_method_id=charge.payment_method_id,
        provider_charge_id=charge.provider_charge_id or "",
        attempt=charge.attempt,
        subscription_ids=charge.subscription_ids,
        payment_request_id=_request_id(charge),
    )


def payment_failed(charge: Charge, next_retry_at: datetime | None) -> PaymentFailed:
    """Every failure, with its reason, shown as an alert (R-PAY-4)."""
    return PaymentFailed(
        charge_id=charge.id,
        invoice_id=charge.invoice_id,
        csn=charge.csn,
        amount=charge.amount,
        currency=charge.currency,
        payment_method_id=charge.payment_method_id,
        reason=charge.failure_code or "payment_failed",
        message=charge.failure_message or "The payment failed.",
        attempt=charge.attempt,
        subscription_ids=charge.subscription_ids,
        next_retry_at=next_retry_at,
        final=next_retry_at is None,
        payment_request_id=_request_id(charge),
    )


def method_changed(method: PaymentMethod, today: date) -> PaymentMethodChanged:
    """Snapshot after every change (R-PAY-1); never card data, not even the token."""
    return PaymentMethodChanged(
        payment_method_id=method.id,
        csn=method.csn,
        kind=method.kind.value,
        label=method.label,
        recurring=method.recurring,
        valid=method.is_valid(today),
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        is_default=method.is_default,
        status=method.status.value,
    )


def payment_refunded(refund: Refund) -> PaymentRefunded:
    return PaymentRefunded(
        refund_id=refund.id,
        charge_id=refund.charge_id,
        invoice_id=refund.invoice_id,
        credit_note_id=refund.credit_note_id,
        csn=refund.csn,
        amount=refund.amount,
        currency=refund.currency,
    )
