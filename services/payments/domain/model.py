"""Payment methods and charges: pure rules, no database, no broker, no settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class PaymentMethodKind(StrEnum):
    CARD = "card"
    PAYPAL = "paypal"
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"
    CONVENIENCE_STORE = "convenience_store"


class PaymentMethodStatus(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class ChargeStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(eq=False)
class PaymentMethod:
    """A saved method: a provider token and what identifies it to a person, never the card
    number or security code (R-PAY-1)."""

    id: str
    csn: str
    kind: PaymentMethodKind
    provider_token: str
    brand: str
    last4: str
    holder_name: str
    exp_month: int | None = None
    exp_year: int | None = None
    is_default: bool = False
    status: PaymentMethodStatus = PaymentMethodStatus.ACTIVE

    @property
    def recurring(self) -> bool:
        """Only cards and PayPal renew automatically; the rest always need a manual renewal (R-SUB-9)."""
        return self.kind in (PaymentMethodKind.CARD, PaymentMethodKind.PAYPAL)

    @property
    def is_active(self) -> bool:
        return self.status == PaymentMethodStatus.ACTIVE

    def is_expired(self, today: date) -> bool:
        """A card is valid through the last day of its expiry month (R-SUB-5)."""
        if self.exp_month is None or self.exp_year is None:
            return False
        return (self.exp_year, self.exp_month) < (today.year, today.month)


def idempotency_key_for(invoice_id: str, attempt: int) -> str:
    """One key per invoice and attempt: the provider charges it at most once."""
    return f"invoice:{invoice_id}:attempt:{attempt}"


def charge_id_for(idempotency_key: str) -> str:
    """Stable id derived from the idempotency key, so a repeated request is recognisable."""
    return f"ch-{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}"


@dataclass(eq=False)
class Charge:
    id: str
    csn: str
    invoice_id: str
    attempt: int
    idempotency_key: str
    amount: int  # minor units
    currency: str
    payment_method_id: str
    created_at: datetime
    updated_at: datetime
    status: ChargeStatus = ChargeStatus.PENDING
    failure_code: str | None = None
    failure_message: str | None = None
    provider_charge_id: str | None = None
    subscription_ids: list[str] = field(default_factory=list)
    correlation_id: str | None = None  # of the flow that asked for the charge, for tracing
    causation_id: str | None = None  # event_id of the invoice-issued that asked for it

    @classmethod
    def for_invoice(
        cls,
        *,
        csn: str,
        invoice_id: str,
        attempt: int,
        amount: int,
        currency: str,
        payment_method_id: str,
        subscription_ids: list[str],
        now: datetime,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Charge:
        key = idempotency_key_for(invoice_id, attempt)
        return cls(
            id=charge_id_for(key),
            csn=csn,
            invoice_id=invoice_id,
            attempt=attempt,
            idempotency_key=key,
            amount=amount,
            currency=currency,
            payment_method_id=payment_method_id,
            created_at=now,
            updated_at=now,
            subscription_ids=list(subscription_ids),
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    @property
    def is_pending(self) -> bool:
        return self.status == ChargeStatus.PENDING

    def succeed(self, provider_charge_id: str, now: datetime) -> bool:
        """Mark paid only if still pending: a second line of idempotency. True when it acted."""
        if not self.is_pending:
            return False
        self.status = ChargeStatus.SUCCEEDED
        self.provider_charge_id = provider_charge_id
        self.updated_at = now
        return True

    def fail(self, code: str, message: str, now: datetime) -> bool:
        """Record a payment error shown to the customer (R-PAY-4), only if still pending."""
        if not self.is_pending:
            return False
        self.status = ChargeStatus.FAILED
        self.failure_code = code
        self.failure_message = message
        self.updated_at = now
        return True
