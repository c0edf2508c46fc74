"""What the payments routes take and answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.payments.domain.model import PaymentMethod, PaymentMethodKind
from services.payments.domain.upcoming import Schedule, UpcomingStatus
from shared.http import RequestBody
from shared.pagination import Page


# --- payment methods (R-PAY-1) ---------------------------------------------------------------
class PaymentMethodOut(BaseModel):
    """What identifies a saved method to a person; never its provider token (R-PAY-1)."""

    id: str
    csn: str
    kind: str
    label: str = Field(examples=["Visa •••• 4242"])
    brand: str
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    holder_name: str
    is_default: bool
    status: str
    recurring: bool = Field(description="Can back an automatic renewal (R-SUB-9)")
    valid: bool = Field(description="Usable now: active and not expired")
    created_at: dt.datetime | None

    @classmethod
    def of(cls, method: PaymentMethod, today: dt.date) -> PaymentMethodOut:
        return cls(
            id=method.id,
            csn=method.csn,
            kind=method.kind.value,
            label=method.label,
            brand=method.brand,
            last4=method.last4,
            exp_month=method.exp_month,
            exp_year=method.exp_year,
            holder_name=method.holder_name,
            is_default=method.is_default,
            status=method.status.value,
            recurring=method.recurring,
            valid=method.is_valid(today),
            created_at=method.created_at,
        )


HolderName = Annotated[str, Field(min_length=1, max_length=200)]


class PaymentMethodIn(RequestBody):
    """A method tokenised by the provider's own form: we never see the card (R-PAY-1)."""

    kind: PaymentMethodKind = Field(strict=False)  # an enum value, a string in JSON
    provider_token: str = Field(
        min_length=3,
        max_length=200,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="Token from the provider's client-side form",
        examples=["tok_visa"],
    )
    holder_name: HolderName
    make_default: bool = False


class PaymentMethodPatch(RequestBody):
    holder_name: HolderName | None = None
    exp_month: int | None = Field(default=None, ge=1, le=12)
    exp_year: int | None = Field(default=None, ge=2000, le=2100)
    is_default: Literal[True] | None = Field(
        default=None, description="true makes it the default; set another one to change it"
    )


# --- charges and refunds -----------------------------------------------------------------------
class ChargeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    csn: str
    invoice_id: str
    attempt: int
    origin: str
    payment_request_id: str | None
    amount: int
    currency: str
    payment_method_id: str
    status: str
    failure_code: str | None
    failure_message: str | None
    provider_charge_id: str | None
    subscription_ids: list[str]
    next_retry_at: dt.datetime | None = Field(validation_alias="retry_at")
    created_at: dt.datetime
    updated_at: dt.datetime
    settled_at: dt.datetime | None


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    csn: str
    invoice_id: str
    charge_id: str
    credit_note_id: str
    amount: int
    currency: str
    status: str
    provider_refund_id: str | None
    failure_code: str | None
    created_at: dt.datetime


# --- upcoming payments (R-PAY-2, R-PAY-3) -------------------------------------------------------
TAX_NOTE = (
    "Renewal amounts are before tax (tax_included=false): the invoice adds tax from the "
    "billing address. Invoices and retries include tax."
)


class UpcomingPaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: dt.date
    amount: int = Field(description="Minor units")
    currency: str
    schedule: Schedule
    kind: str = Field(examples=["renewal", "retry", "invoice"])
    status: UpcomingStatus
    tax_included: bool
    description: str
    subscription_ids: list[str]
    invoice_id: str | None
    payment_method_id: str | None


class UpcomingPage(Page[UpcomingPaymentOut]):
    start: dt.date
    end: dt.date
    note: str = TAX_NOTE


class StatusAmounts(BaseModel):
    auto_renew: int
    manual: int
    payment_error: int

    @classmethod
    def of(cls, amounts: dict[UpcomingStatus, int]) -> StatusAmounts:
        return cls(**{s.value: amounts[s] for s in UpcomingStatus})


class ChartBarOut(StatusAmounts):
    start: dt.date
    end: dt.date


class ChartSeriesOut(BaseModel):
    currency: str
    totals: StatusAmounts
    counts: StatusAmounts
    bars: list[ChartBarOut]


class ChartOut(BaseModel):
    """Stacked bars: one series per currency, one bar per day or week, one stack per status."""

    start: dt.date
    end: dt.date
    bucket: Literal["day", "week"]
    statuses: list[UpcomingStatus] = list(UpcomingStatus)
    series: list[ChartSeriesOut]
    note: str = TAX_NOTE
