"""Payment methods, charges and refunds: pure rules, no database, no broker, no settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from shared.errors import DomainError


class PaymentMethodKind(StrEnum):
    CARD = "card"
    WALLET = "wallet"  # PayPal-like
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"
    CONVENIENCE_STORE = "convenience_store"

    @property
    def recurring(self) -> bool:
        """Only cards and wallets can back an automatic renewal; the others always need a manual
        renewal (R-SUB-9)."""
        return self in (PaymentMethodKind.CARD, PaymentMethodKind.WALLET)


class PaymentMethodStatus(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class ChargeStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet sent to the provider
    PROCESSING = "processing"  # sent (or being sent): the provider may have charged it
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"  # never sent: the invoice was paid otherwise


class ChargeOrigin(StrEnum):
    AUTOMATIC = "automatic"  # automatic collection of an issued invoice, retried (R-PAY-4)
    PAYMENT_REQUEST = "payment_request"  # a person paid from the invoices tab (R-INV-2)


_LABELS = {
    PaymentMethodKind.WALLET: "PayPal",
    PaymentMethodKind.BANK_TRANSFER: "Bank transfer",
    PaymentMethodKind.ALIPAY: "Alipay",
    PaymentMethodKind.CONVENIENCE_STORE: "Convenience store",
}


class PaymentMethodInUse(DomainError):
    def __init__(self, method_id: str, subscription_ids: list[str]) -> None:
        subs = ", ".join(subscription_ids)
        super().__init__(
            "payment_method_in_use",
            f"Payment method {method_id} pays for auto-renewing subscription(s) {subs}. "
            "Link another payment method to them first (or turn auto-renew off), "
            "then delete this one.",
        )


@dataclass(eq=False)
class PaymentMethod:
    """A saved method: a provider token and what identifies it to a person, never the card
    number or security code (R-PAY-1)."""

    id: str
    csn: str
    kind: PaymentMethodKind
    provider_token: str
    brand: str
    last4: str | None
    holder_name: str
    exp_month: int | None = None
    exp_year: int | None = None
    is_default: bool = False
    status: PaymentMethodStatus = PaymentMethodStatus.ACTIVE
    created_at: datetime | None = None
    updated_at: datetime | None = None
    announced_valid: bool | None = None  # `valid` in the last payment-method-changed snapshot

    @property
    def recurring(self) -> bool:
        return self.kind.recurring  # R-SUB-9

    @property
    def is_active(self) -> bool:
        return self.status == PaymentMethodStatus.ACTIVE

    @property
    def label(self) -> str:
        """What a person recognises: 'Visa •••• 4242', 'PayPal', 'Bank transfer •••• 3000'."""
        name = self.brand.title() if self.kind == PaymentMethodKind.CARD else _LABELS[self.kind]
        return f"{name} •••• {self.last4}" if self.last4 else name

    def is_expired(self, today: date) -> bool:
        """A card is valid through the last day of its expiry month (R-SUB-5)."""
        if self.exp_month is None or self.exp_year is None:
            return False
        return (self.exp_year, self.exp_month) < (today.year, today.month)

    def is_valid(self, today: date) -> bool:
        """Usable now: not deleted and not expired."""
        return self.is_active and not self.is_expired(today)

    def problem_for_charging(self, today: date) -> tuple[str, str] | None:
        """Why the provider must not even be asked to charge this method, if anything."""
        if not self.is_active:
            return "payment_method_missing", PAYMENT_METHOD_MISSING
        if not self.recurring:
            return "payment_method_not_chargeable", (
                f"{self.label} payments are made by the customer (R-SUB-9): pay with the "
                "reference on the invoice, or choose a card or PayPal."
            )
        if self.is_expired(today):
            return "expired_card", "Your card has expired; update it or choose another method."
        return None

    def modify(
        self,
        *,
        holder_name: str | None,
        exp_month: int | None,
        exp_year: int | None,
        today: date,
        now: datetime,
    ) -> None:
        """Holder name and, for cards, a new expiry (a reissued card keeps its token) (R-PAY-1)."""
        self._ensure_active()
        if (exp_month is None) != (exp_year is None):
            raise DomainError(
                "expiry_incomplete",
                "Give both exp_month and exp_year to change the expiry.",
                status=422,
            )
        if exp_month is not None and exp_year is not None:
            if self.kind != PaymentMethodKind.CARD:
                raise DomainError(
                    "expiry_not_applicable",
                    f"A {self.kind.value.replace('_', ' ')} method has no expiry; only cards do.",
                    status=422,
                )
            if (exp_year, exp_month) < (today.year, today.month):
                raise DomainError(
                    "expiry_in_past",
                    "That expiry date has passed; enter the date printed on the current card.",
                    status=422,
                )
            self.exp_month, self.exp_year = exp_month, exp_year
        if holder_name is not None:
            self.holder_name = holder_name
        self.updated_at = now

    def delete(self, backed_subscription_ids: list[str], now: datetime) -> None:
        """Refused while it pays for an auto-renewing subscription (R-PAY-1, R-SUB-5)."""
        self._ensure_active()
        if backed_subscription_ids:
            raise PaymentMethodInUse(self.id, sorted(backed_subscription_ids))
        self.status = PaymentMethodStatus.DELETED
        self.is_default = False
        self.updated_at = now

    def _ensure_active(self) -> None:
        if not self.is_active:
            raise DomainError(
                "payment_method_deleted",
                f"Payment method {self.id} was deleted; add it again to use it.",
                status=409,
            )


PAYMENT_METHOD_MISSING = "The saved payment method no longer exists; choose another one."


def make_default(
    methods: list[PaymentMethod], chosen: PaymentMethod, now: datetime
) -> list[PaymentMethod]:
    """One default per account (`methods` includes `chosen`): returns those whose flag changed."""
    chosen._ensure_active()
    changed = []
    for method in methods:
        if method.is_default != (method is chosen):
            method.is_default = method is chosen
            method.updated_at = now
            changed.append(method)
    return changed


def idempotency_key_for(invoice_id: str, attempt: int) -> str:
    """One key per invoice and attempt: the provider charges it at most once."""
    return f"invoice:{invoice_id}:attempt:{attempt}"


def request_idempotency_key(invoice_id: str, payment_request_id: str) -> str:
    """One key per request to pay an invoice from the invoices tab (R-INV-2)."""
    return f"invoice:{invoice_id}:request:{payment_request_id}"


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
    causation_id: str | None = None  # event_id of the event that asked for it
    origin: ChargeOrigin = ChargeOrigin.AUTOMATIC
    payment_request_id: str | None = None
    lease_until: datetime | None = None  # a processor owns the send until then
    retry_at: datetime | None = None  # failed, and the next automatic attempt is due then
    settled_at: datetime | None = None
    # W3C traceparent of the event that asked for the charge: the processor sends and
    # announces it in that trace. A retry (days later) starts its own.
    traceparent: str | None = None

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

    @classmethod
    def for_payment_request(
        cls,
        *,
        csn: str,
        invoice_id: str,
        payment_request_id: str,
        amount: int,
        currency: str,
        payment_method_id: str,
        now: datetime,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Charge:
        key = request_idempotency_key(invoice_id, payment_request_id)
        return cls(
            id=charge_id_for(key),
            csn=csn,
            invoice_id=invoice_id,
            attempt=1,
            idempotency_key=key,
            amount=amount,
            currency=currency,
            payment_method_id=payment_method_id,
            created_at=now,
            updated_at=now,
            origin=ChargeOrigin.PAYMENT_REQUEST,
            payment_request_id=payment_request_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    def next_attempt(self, payment_method_id: str, now: datetime) -> Charge:
        """The retry of a failed automatic charge: a new charge with its own key (R-PAY-4)."""
        retry = Charge.for_invoice(
            csn=self.csn,
            invoice_id=self.invoice_id,
            attempt=self.attempt + 1,
            amount=self.amount,
            currency=self.currency,
            payment_method_id=payment_method_id,
            subscription_ids=self.subscription_ids,
            now=now,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
        self.retry_at = None
        self.updated_at = now
        return retry

    @property
    def is_pending(self) -> bool:
        return self.status == ChargeStatus.PENDING

    @property
    def is_open(self) -> bool:
        """Not settled yet: recorded or possibly at the provider."""
        return self.status in (ChargeStatus.PENDING, ChargeStatus.PROCESSING)

    @property
    def is_automatic(self) -> bool:
        return self.origin == ChargeOrigin.AUTOMATIC

    def start_processing(self, now: datetime, lease_until: datetime) -> None:
        """Recorded before the provider is called, so a crash leaves a trace to reconcile."""
        self.status = ChargeStatus.PROCESSING
        self.lease_until = lease_until
        self.updated_at = now

    def release(self, now: datetime) -> None:
        """No answer from the provider: any processor may send the same key again."""
        self.lease_until = now
        self.updated_at = now

    def succeed(self, provider_charge_id: str, now: datetime) -> bool:
        """Mark paid only if not settled yet: a second line of idempotency. True when it acted."""
        if not self.is_open:
            return False
        self.status = ChargeStatus.SUCCEEDED
        self.provider_charge_id = provider_charge_id
        self._settle(now)
        return True

    def fail(self, code: str, message: str, now: datetime) -> bool:
        """Record a payment error shown to the customer (R-PAY-4), only if not settled yet."""
        if not self.is_open:
            return False
        self.status = ChargeStatus.FAILED
        self.failure_code = code
        self.failure_message = message
        self._settle(now)
        return True

    def cancel(self, now: datetime) -> bool:
        """Only a charge never sent can be cancelled: one sent may have been charged."""
        if not self.is_pending:
            return False
        self.status = ChargeStatus.CANCELED
        self._settle(now)
        return True

    def stop_collecting(self, now: datetime) -> None:
        """Its invoice is paid or cancelled (R-PAY-4): no retry, and an automatic charge never
        sent is cancelled; one already sent is left to settle (it may have been charged)."""
        self.retry_at = None
        if self.is_automatic:
            self.cancel(now)

    def _settle(self, now: datetime) -> None:
        self.lease_until = None
        self.settled_at = now
        self.updated_at = now
