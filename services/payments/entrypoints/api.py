"""HTTP routes of the payments service (called by the gateway only): thin, each validates,
builds a command or a query and calls the service layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from services.payments.adapters.provider import PaymentProvider
from services.payments.domain.model import PaymentMethod, PaymentMethodKind
from services.payments.domain.upcoming import Schedule, UpcomingStatus, chart
from services.payments.service_layer import methods
from services.payments.service_layer.uow import PaymentsUnitOfWork
from services.payments.service_layer.upcoming import upcoming_for
from shared.card_data import CardDataRefused, carries_card_data
from shared.errors import DomainError, Forbidden, NotFound
from shared.http import CurrentPrincipal, RequestBody
from shared.pagination import Page, PageDep
from shared.principal import BILLING_ROLES, Principal, Role
from shared.runtime import service_of, uow_for_request

UowDep = Annotated[PaymentsUnitOfWork, Depends(uow_for_request)]


def billing_principal(principal: CurrentPrincipal) -> Principal:
    """A plain user sees no billing data (R-ROLE-1)."""
    if not principal.has_any(BILLING_ROLES):
        raise Forbidden("Payment data is visible to admins, contract managers and buyers only.")
    return principal


def payment_provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider = service_of(request).provider  # type: ignore[attr-defined]
    return provider


def charges_principal(principal: CurrentPrincipal) -> Principal:
    """Charges and refunds: the account's billing roles, and vendor billing agents acting on
    the account (they issue the credit notes that refund)."""
    if not principal.has_any(BILLING_ROLES | {Role.BILLING_AGENT}):
        raise Forbidden("Charges are visible to admins, contract managers, buyers and agents.")
    return principal


BillingPrincipal = Annotated[Principal, Depends(billing_principal)]
ChargesPrincipal = Annotated[Principal, Depends(charges_principal)]
ProviderDep = Annotated[PaymentProvider, Depends(payment_provider)]


class RefusingCardData(APIRoute):
    """Refuses a body that carries a card number or security code anywhere, before it is
    parsed, validated or could reach a log or a table (R-PAY-1)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            body = await request.body()  # cached: the route reads the same bytes
            if body and carries_card_data(body.decode("utf-8", errors="replace")):
                raise CardDataRefused()
            return await handle(request)

        return guarded


methods_router = APIRouter(
    prefix="/v1/payment-methods", tags=["payment-methods"], route_class=RefusingCardData
)
charges_router = APIRouter(prefix="/v1/charges", tags=["charges"])
refunds_router = APIRouter(prefix="/v1/refunds", tags=["charges"])
upcoming_router = APIRouter(prefix="/v1/upcoming-payments", tags=["upcoming-payments"])


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
    created_at: datetime | None

    @classmethod
    def of(cls, method: PaymentMethod, today: date) -> PaymentMethodOut:
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


@methods_router.get(
    "", response_model=Page[PaymentMethodOut], summary="Active saved payment methods"
)
async def list_payment_methods(
    principal: BillingPrincipal, page: PageDep, uow: UowDep
) -> Page[PaymentMethodOut]:
    items, total = await uow.payment_methods.list_active(
        principal.csn, limit=page.limit, offset=page.offset
    )
    today = uow.clock.today()
    return Page(
        items=[PaymentMethodOut.of(m, today) for m in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@methods_router.post(
    "", response_model=PaymentMethodOut, status_code=201, summary="Save a payment method"
)
async def add_payment_method(
    body: PaymentMethodIn,
    principal: BillingPrincipal,
    uow: UowDep,
    provider: ProviderDep,
) -> PaymentMethodOut:
    method = await methods.add_payment_method(
        methods.AddPaymentMethod(
            csn=principal.csn,
            kind=body.kind,
            provider_token=body.provider_token,
            holder_name=body.holder_name,
            make_default=body.make_default,
        ),
        uow,
        provider,
    )
    return PaymentMethodOut.of(method, uow.clock.today())


@methods_router.get(
    "/{method_id}", response_model=PaymentMethodOut, summary="One saved payment method"
)
async def get_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    method = await uow.payment_methods.get(principal.csn, method_id)
    if method is None or not method.is_active:
        raise NotFound("payment_method", method_id)
    return PaymentMethodOut.of(method, uow.clock.today())


@methods_router.patch(
    "/{method_id}",
    response_model=PaymentMethodOut,
    summary="Change the holder name, the expiry of a reissued card, or make it the default",
)
async def modify_payment_method(
    method_id: str, body: PaymentMethodPatch, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    if not body.model_fields_set:
        raise DomainError(
            "nothing_to_change", "Give holder_name, exp_month/exp_year or is_default.", status=422
        )
    method = await methods.modify_payment_method(
        methods.ModifyPaymentMethod(
            csn=principal.csn,
            method_id=method_id,
            holder_name=body.holder_name,
            exp_month=body.exp_month,
            exp_year=body.exp_year,
            make_default=bool(body.is_default),
        ),
        uow,
    )
    return PaymentMethodOut.of(method, uow.clock.today())


@methods_router.post(
    "/{method_id}/default",
    response_model=PaymentMethodOut,
    summary="Make it the account's default payment method",
)
async def set_default_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> PaymentMethodOut:
    method = await methods.set_default_payment_method(principal.csn, method_id, uow)
    return PaymentMethodOut.of(method, uow.clock.today())


@methods_router.delete(
    "/{method_id}",
    status_code=204,
    summary="Delete a saved method (refused while it pays for an auto-renewing subscription)",
)
async def delete_payment_method(
    method_id: str, principal: BillingPrincipal, uow: UowDep
) -> Response:
    await methods.delete_payment_method(principal.csn, method_id, uow)
    return Response(status_code=204)


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
    next_retry_at: datetime | None = Field(validation_alias="retry_at")
    created_at: datetime
    updated_at: datetime
    settled_at: datetime | None


@charges_router.get(
    "", response_model=Page[ChargeOut], summary="Charges of the account, newest first"
)
async def list_charges(
    principal: ChargesPrincipal,
    page: PageDep,
    uow: UowDep,
    invoice_id: Annotated[str | None, Query(description="Only the charges of this invoice")] = None,
) -> Page[ChargeOut]:
    items, total = await uow.charges.list(
        principal.csn, limit=page.limit, offset=page.offset, invoice_id=invoice_id
    )
    return Page(
        items=[ChargeOut.model_validate(c) for c in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


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
    created_at: datetime


@refunds_router.get(
    "", response_model=Page[RefundOut], summary="Refunds of credit notes, newest first"
)
async def list_refunds(
    principal: ChargesPrincipal,
    page: PageDep,
    uow: UowDep,
    invoice_id: Annotated[str | None, Query(description="Only the refunds of this invoice")] = None,
) -> Page[RefundOut]:
    items, total = await uow.refunds.list(
        principal.csn, limit=page.limit, offset=page.offset, invoice_id=invoice_id
    )
    return Page(
        items=[RefundOut.model_validate(r) for r in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


# --- upcoming payments (R-PAY-2, R-PAY-3) -------------------------------------------------------
Days = Annotated[int, Query(ge=1, le=90, description="How far ahead: 30 or 90 days")]
TAX_NOTE = (
    "Renewal amounts are before tax (tax_included=false): the invoice adds tax from the "
    "billing address. Invoices and retries include tax."
)


class UpcomingPaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: date
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
    start: date
    end: date
    note: str = TAX_NOTE


class StatusAmounts(BaseModel):
    auto_renew: int
    manual: int
    payment_error: int

    @classmethod
    def of(cls, amounts: dict[UpcomingStatus, int]) -> StatusAmounts:
        return cls(**{s.value: amounts[s] for s in UpcomingStatus})


class ChartBarOut(StatusAmounts):
    start: date
    end: date


class ChartSeriesOut(BaseModel):
    currency: str
    totals: StatusAmounts
    counts: StatusAmounts
    bars: list[ChartBarOut]


class ChartOut(BaseModel):
    """Stacked bars: one series per currency, one bar per day or week, one stack per status."""

    start: date
    end: date
    bucket: Literal["day", "week"]
    statuses: list[UpcomingStatus] = list(UpcomingStatus)
    series: list[ChartSeriesOut]
    note: str = TAX_NOTE


@upcoming_router.get(
    "",
    response_model=UpcomingPage,
    summary="Scheduled and unscheduled payments due in the next days, by date (R-PAY-2)",
)
async def list_upcoming_payments(
    principal: BillingPrincipal,
    page: PageDep,
    uow: UowDep,
    days: Days = 30,
    schedule: Annotated[Schedule | None, Query()] = None,
    status: Annotated[UpcomingStatus | None, Query()] = None,
) -> UpcomingPage:
    items = [
        i
        for i in await upcoming_for(principal.csn, days, uow)
        if (schedule is None or i.schedule == schedule) and (status is None or i.status == status)
    ]
    today = uow.clock.today()
    return UpcomingPage(
        items=[
            UpcomingPaymentOut.model_validate(i)
            for i in items[page.offset : page.offset + page.limit]
        ],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
        start=today,
        end=date.fromordinal(today.toordinal() + days),
    )


@upcoming_router.get(
    "/chart",
    response_model=ChartOut,
    summary="What is due by status (auto-renew, manual, payment error), per day or week (R-PAY-3)",
)
async def upcoming_payments_chart(
    principal: BillingPrincipal,
    uow: UowDep,
    days: Days = 30,
    bucket: Annotated[Literal["day", "week"], Query()] = "week",
) -> ChartOut:
    today = uow.clock.today()
    items = await upcoming_for(principal.csn, days, uow)
    series = chart(items, today=today, days=days, bucket=bucket)
    return ChartOut(
        start=today,
        end=date.fromordinal(today.toordinal() + days),
        bucket=bucket,
        series=[
            ChartSeriesOut(
                currency=s.currency,
                totals=StatusAmounts.of(s.totals),
                counts=StatusAmounts.of(s.counts),
                bars=[
                    ChartBarOut(
                        start=b.start, end=b.end, **StatusAmounts.of(b.amounts).model_dump()
                    )
                    for b in s.bars
                ],
            )
            for s in series
        ],
    )
