"""Events the payments service publishes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared.events.base import EventData

PaymentMethodKind = Literal["card", "wallet", "bank_transfer", "alipay", "convenience_store"]


class PaymentSucceeded(EventData):
    topic: ClassVar[str] = "payment-succeeded"
    charge_id: str
    invoice_id: str
    csn: str
    amount: int
    currency: str
    payment_method_id: str
    provider_charge_id: str
    attempt: int = Field(ge=1)
    subscription_ids: list[str] = Field(default_factory=list)
    payment_request_id: uuid.UUID | None = Field(
        default=None, description="Set when a person paid from the invoices tab (R-INV-2)"
    )

    def aggregate_key(self) -> str:
        return self.invoice_id


class PaymentFailed(EventData):
    topic: ClassVar[str] = "payment-failed"
    charge_id: str
    invoice_id: str
    csn: str
    amount: int
    currency: str
    payment_method_id: str | None
    reason: str = Field(examples=["card_declined", "insufficient_funds", "expired_card"])
    message: str
    attempt: int = Field(ge=1)
    subscription_ids: list[str] = Field(default_factory=list)
    next_retry_at: datetime | None = Field(
        default=None, description="When the invoice is charged again automatically (R-PAY-4)"
    )
    final: bool = Field(
        default=False, description="No automatic retry of this invoice is scheduled any more"
    )
    payment_request_id: uuid.UUID | None = Field(
        default=None, description="Set when a person paid from the invoices tab (R-INV-2)"
    )

    def aggregate_key(self) -> str:
        return self.invoice_id


class PaymentMethodChanged(EventData):
    """Snapshot of a saved method after every change (R-PAY-1); subscriptions use it to check
    that auto-renew has a valid recurring method (R-SUB-5, R-SUB-9). Never card data."""

    topic: ClassVar[str] = "payment-method-changed"
    payment_method_id: str
    csn: str
    kind: PaymentMethodKind
    label: str = Field(description="What a person recognises, e.g. 'Visa •••• 4242'")
    recurring: bool = Field(
        description="Can back an automatic renewal (false for manual-only kinds)"
    )
    valid: bool = Field(description="Usable now: not expired, not deleted")
    exp_month: int | None = None
    exp_year: int | None = None
    is_default: bool
    status: Literal["active", "deleted"]

    def aggregate_key(self) -> str:
        return self.payment_method_id


class PaymentRefunded(EventData):
    """Money sent back for a credit note that refunds a paid invoice."""

    topic: ClassVar[str] = "payment-refunded"
    refund_id: str
    charge_id: str
    invoice_id: str
    credit_note_id: str
    csn: str
    amount: int = Field(ge=1)
    currency: str

    def aggregate_key(self) -> str:
        return self.invoice_id


CONTRACTS: tuple[type[EventData], ...] = (
    PaymentSucceeded,
    PaymentFailed,
    PaymentMethodChanged,
    PaymentRefunded,
)
