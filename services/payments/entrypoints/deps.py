"""What every payments route needs: a unit of work, the payment provider and the caller's
role checks (R-ROLE-1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.payments.adapters.provider import PaymentProvider
from services.payments.service_layer.uow import PaymentsUnitOfWork
from shared.caller import principal_with
from shared.principal import BILLING_ROLES, Principal, Role
from shared.runtime import service_of, uow_for_request

UowDep = Annotated[PaymentsUnitOfWork, Depends(uow_for_request)]


def payment_provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider = service_of(request).provider  # type: ignore[attr-defined]
    return provider


ProviderDep = Annotated[PaymentProvider, Depends(payment_provider)]

# A plain user sees no billing data (R-ROLE-1).
BillingPrincipal = Annotated[
    Principal,
    Depends(
        principal_with(
            BILLING_ROLES,
            "Payment data is visible to admins, contract managers and buyers only.",
        )
    ),
]
# Charges and refunds: the account's billing roles, and vendor billing agents acting on the
# account (they issue the credit notes that refund).
ChargesPrincipal = Annotated[
    Principal,
    Depends(
        principal_with(
            BILLING_ROLES | {Role.BILLING_AGENT},
            "Charges are visible to admins, contract managers, buyers and agents.",
        )
    ),
]
