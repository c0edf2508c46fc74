"""Saved payment methods (R-PAY-1): add, modify, make default, delete. Every change publishes
a payment-method-changed snapshot of each method it touched, in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.payments.adapters.provider import PaymentProvider, UnknownToken
from services.payments.domain.model import PaymentMethod, PaymentMethodKind, make_default
from services.payments.service_layer import announce
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.errors import DomainError, NotFound


@dataclass(frozen=True)
class AddPaymentMethod:
    csn: str
    kind: PaymentMethodKind
    provider_token: str
    holder_name: str
    make_default: bool = False


@dataclass(frozen=True)
class ModifyPaymentMethod:
    csn: str
    method_id: str
    holder_name: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    make_default: bool = False


def announce_methods(uow: PaymentsUnitOfWork, *methods: PaymentMethod) -> None:
    """A payment-method-changed snapshot of each, in the caller's transaction (R-PAY-1)."""
    today = uow.clock.today()
    for method in {m.id: m for m in methods}.values():
        snapshot = announce.method_changed(method, today)
        method.announced_valid = snapshot.valid
        uow.publish(snapshot)


async def announce_expired_cards(uow: PaymentsUnitOfWork, limit: int = 100) -> int:
    """A card that expires is a change too: subscriptions must stop counting on it (R-SUB-5)."""
    async with uow:
        expired = await uow.payment_methods.lock_expired_since_announced(uow.clock.today(), limit)
        announce_methods(uow, *expired)
        await uow.commit()
    return len(expired)


def _one_of(methods: list[PaymentMethod], method_id: str) -> PaymentMethod:
    """The account's active method with this id; another account's is simply not found."""
    for method in methods:
        if method.id == method_id:
            return method
    raise NotFound("payment_method", method_id)


async def add_payment_method(
    cmd: AddPaymentMethod, uow: PaymentsUnitOfWork, provider: PaymentProvider
) -> PaymentMethod:
    """Only what the provider tells about the token is kept: brand, last four, expiry.
    (A repeated Idempotency-Key is answered before this runs: shared/idempotency/.)"""
    try:
        details = await provider.attach(cmd.provider_token)
    except UnknownToken:
        raise DomainError(
            "provider_token_invalid",
            "The payment provider does not recognise this token; enter the details again in "
            "the provider's payment form to get a new one.",
            status=422,
        ) from None
    if details.kind != cmd.kind:
        raise DomainError(
            "payment_method_kind_mismatch",
            f"This token is for a {details.kind.replace('_', ' ')}, not a "
            f"{cmd.kind.value.replace('_', ' ')}; choose the matching kind.",
            status=422,
        )
    now = uow.clock.now()
    method = PaymentMethod(
        id=f"pm-{uuid.uuid4().hex[:20]}",
        csn=cmd.csn,
        kind=cmd.kind,
        provider_token=cmd.provider_token,
        brand=details.brand,
        last4=details.last4,
        exp_month=details.exp_month,
        exp_year=details.exp_year,
        holder_name=cmd.holder_name,
        created_at=now,
        updated_at=now,
    )
    others = await uow.payment_methods.all_active(cmd.csn)
    uow.payment_methods.add(method)
    changed: list[PaymentMethod] = []
    if cmd.make_default or not any(m.is_default for m in others):
        changed = make_default([*others, method], method, now)
    announce_methods(uow, method, *changed)
    await uow.commit()
    return method


async def modify_payment_method(cmd: ModifyPaymentMethod, uow: PaymentsUnitOfWork) -> PaymentMethod:
    """Holder name, expiry of a reissued card, default flag (R-PAY-1)."""
    methods = await uow.payment_methods.all_active(cmd.csn)
    method = _one_of(methods, cmd.method_id)
    now = uow.clock.now()
    method.modify(
        holder_name=cmd.holder_name,
        exp_month=cmd.exp_month,
        exp_year=cmd.exp_year,
        today=uow.clock.today(),
        now=now,
    )
    changed = make_default(methods, method, now) if cmd.make_default else []
    announce_methods(uow, method, *changed)
    await uow.commit()
    return method


async def set_default_payment_method(
    csn: str, method_id: str, uow: PaymentsUnitOfWork
) -> PaymentMethod:
    methods = await uow.payment_methods.all_active(csn)
    method = _one_of(methods, method_id)
    announce_methods(uow, *make_default(methods, method, uow.clock.now()))
    await uow.commit()
    return method


async def delete_payment_method(csn: str, method_id: str, uow: PaymentsUnitOfWork) -> None:
    """Refused while it pays for an auto-renewing subscription: link another one first."""
    method = _one_of(await uow.payment_methods.all_active(csn), method_id)
    backed = await uow.subscriptions.auto_renewing_with(csn, method_id)
    method.delete(backed, uow.clock.now())
    announce_methods(uow, method)
    await uow.commit()
