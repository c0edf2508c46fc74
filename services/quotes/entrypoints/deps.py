"""What every quotes route needs: a unit of work, the settings, and who is calling — a person
of the account with a billing role (R-ROLE-1) or a partner (R-QUO-3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.quotes.config import Settings
from services.quotes.domain import commands
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.caller import principal_with
from shared.errors import DomainError
from shared.http import CurrentPrincipal
from shared.principal import BILLING_ROLES, Principal, Role
from shared.runtime import service_of, uow_for_request

UowDep = Annotated[QuotesUnitOfWork, Depends(uow_for_request)]


def _settings(request: Request) -> Settings:
    return service_of(request).settings  # type: ignore[return-value]


SettingsDep = Annotated[Settings, Depends(_settings)]

BillingPrincipal = Annotated[
    Principal,
    Depends(
        principal_with(
            BILLING_ROLES, "Quotes are for admins, contract managers and buyers (R-ROLE-1)."
        )
    ),
]


def as_partner(principal: Principal) -> commands.Caller:
    if Role.PARTNER not in principal.roles or not principal.partner_csn:
        raise DomainError(
            "partner_identity_missing",
            "Partner quotes need a partner token carrying your partner CSN.",
            status=403,
        )
    return commands.Caller(principal, as_partner=True)


async def customer_caller(principal: BillingPrincipal) -> commands.Caller:
    return commands.Caller(principal)


async def partner_caller(principal: CurrentPrincipal) -> commands.Caller:
    return as_partner(principal)


async def reader_caller(principal: CurrentPrincipal) -> commands.Caller:
    """People of the account read all its quotes; a partner only the quotes it made."""
    if principal.has_any(BILLING_ROLES):
        return commands.Caller(principal)
    return as_partner(principal)


CustomerCaller = Annotated[commands.Caller, Depends(customer_caller)]
PartnerCaller = Annotated[commands.Caller, Depends(partner_caller)]
ReaderCaller = Annotated[commands.Caller, Depends(reader_caller)]
