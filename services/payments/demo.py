"""Loads the demo payment methods (idempotent: existing rows are left alone) and announces each
new one in the same transaction, so other services learn about them (R-PAY-1)."""

from __future__ import annotations

from services.payments.domain.model import PaymentMethod, PaymentMethodKind
from services.payments.service_layer.methods import announce_methods
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.demo import demo_accounts


async def load(uow: PaymentsUnitOfWork) -> None:
    async with uow:
        now = uow.clock.now()
        for account in demo_accounts():
            for pm in account["payment_methods"]:
                if await uow.session.get(PaymentMethod, pm["id"]) is not None:
                    continue
                method = PaymentMethod(
                    id=pm["id"],
                    csn=account["csn"],
                    kind=PaymentMethodKind(pm["kind"]),
                    provider_token=pm["provider_token"],
                    brand=pm["brand"],
                    last4=pm["last4"],
                    exp_month=pm["exp_month"],
                    exp_year=pm["exp_year"],
                    holder_name=pm["holder_name"],
                    is_default=pm["default"],
                    created_at=now,
                    updated_at=now,
                )
                uow.payment_methods.add(method)
                announce_methods(uow, method)
        await uow.commit()
