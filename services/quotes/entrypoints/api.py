"""HTTP routes of the quotes service (called by the gateway only): validate, build a command,
call a handler."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.quotes.domain import commands
from services.quotes.domain.model import Address, QuoteOrigin
from services.quotes.entrypoints.deps import (
    CustomerCaller,
    PartnerCaller,
    ReaderCaller,
    SettingsDep,
    UowDep,
)
from services.quotes.entrypoints.schemas import (
    AcceptIn,
    Id,
    PartnerQuoteIn,
    QuoteChangeIn,
    QuoteIn,
    QuoteOut,
    RenewalGroupsIn,
    RenewalGroupsOut,
)
from services.quotes.service_layer import handlers
from shared.pagination import Page, PageDep, page_of

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])
partner_router = APIRouter(prefix="/v1/partner/quotes", tags=["partner quotes"])


# --- customer routes ---------------------------------------------------------------------------
@router.get("", response_model=Page[QuoteOut], summary="Active quotes of the account (R-QUO-1)")
async def list_quotes(
    caller: ReaderCaller,
    page: PageDep,
    uow: UowDep,
    origin: Annotated[
        QuoteOrigin | None, Query(description="partner, self_service, automatic")
    ] = None,
) -> Page[QuoteOut]:
    if caller.as_partner:
        origin = QuoteOrigin.PARTNER
    today = uow.clock.today()
    items, total = await uow.quotes.list_active(
        caller.csn,
        today,
        limit=page.limit,
        offset=page.offset,
        origin=origin,
        partner_csn=caller.partner_csn,
    )
    return page_of([QuoteOut.of(q, today) for q in items], total, page)


@router.post(
    "/renewal-groups",
    response_model=RenewalGroupsOut,
    summary="Eligible subscriptions grouped by CSN, currency and purchase method (R-QUO-4)",
)
async def renewal_groups(
    body: RenewalGroupsIn, caller: CustomerCaller, uow: UowDep
) -> RenewalGroupsOut:
    cmd = commands.GroupForRenewalQuote(caller, body.subscription_ids)
    return RenewalGroupsOut.of(*await handlers.group_subscriptions(cmd, uow))


@router.post("", response_model=QuoteOut, status_code=201, summary="Draft a renewal quote")
async def create_quote(
    body: QuoteIn, caller: CustomerCaller, uow: UowDep, settings: SettingsDep
) -> QuoteOut:
    cmd = commands.CreateQuote(
        caller, body.quote_request(), body.recipients, settings.quote_validity_days
    )
    return QuoteOut.of(await handlers.create_quote(cmd, uow), uow.clock.today())


@router.get("/{quote_id}", response_model=QuoteOut, summary="One quote with its lines")
async def get_quote(quote_id: Id, caller: ReaderCaller, uow: UowDep) -> QuoteOut:
    quote = await handlers.get_quote(caller, quote_id, uow)
    return QuoteOut.of(quote, uow.clock.today())


def _change(caller: commands.Caller, quote_id: str, body: QuoteChangeIn) -> commands.ChangeQuote:
    address = body.billing_address
    return commands.ChangeQuote(
        caller=caller,
        quote_id=quote_id,
        request=body.quote_request(),
        replace_lines=body.subscription_ids is not None or body.lines is not None,
        recipients=body.recipients,
        billing_address=Address(**address.model_dump()) if address else None,
    )


@router.patch("/{quote_id}", response_model=QuoteOut, summary="Adjust a draft quote")
async def change_quote(
    quote_id: Id, body: QuoteChangeIn, caller: CustomerCaller, uow: UowDep
) -> QuoteOut:
    quote = await handlers.change_quote(_change(caller, quote_id, body), uow)
    return QuoteOut.of(quote, uow.clock.today())


@router.post("/{quote_id}/send", response_model=QuoteOut, summary="Send to its recipients")
async def send_quote(quote_id: Id, caller: CustomerCaller, uow: UowDep) -> QuoteOut:
    quote = await handlers.send_quote(commands.SendQuote(caller, quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())


@router.post("/{quote_id}/accept", response_model=QuoteOut, summary="Buy (R-QUO-2)")
async def accept_quote(
    quote_id: Id, caller: CustomerCaller, uow: UowDep, body: AcceptIn | None = None
) -> QuoteOut:
    cmd = commands.AcceptQuote(caller, quote_id, body.payment_method_id if body else None)
    return QuoteOut.of(await handlers.accept_quote(cmd, uow), uow.clock.today())


@router.post("/{quote_id}/cancel", response_model=QuoteOut, summary="Refused: the partner cancels")
async def cancel_quote(quote_id: Id, caller: CustomerCaller, uow: UowDep) -> QuoteOut:
    quote = await handlers.cancel_quote(commands.CancelQuote(caller, quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())


# --- partner routes (R-QUO-3) ------------------------------------------------------------------
@partner_router.post(
    "", response_model=QuoteOut, status_code=201, summary="Draft a quote for a customer"
)
async def create_partner_quote(
    body: PartnerQuoteIn, caller: PartnerCaller, uow: UowDep, settings: SettingsDep
) -> QuoteOut:
    cmd = commands.CreateQuote(
        caller,
        body.quote_request(),
        body.recipients,
        body.validity_days or settings.quote_validity_days,
    )
    return QuoteOut.of(await handlers.create_quote(cmd, uow), uow.clock.today())


@partner_router.patch("/{quote_id}", response_model=QuoteOut, summary="Adjust a draft")
async def change_partner_quote(
    quote_id: Id, body: QuoteChangeIn, caller: PartnerCaller, uow: UowDep
) -> QuoteOut:
    quote = await handlers.change_quote(_change(caller, quote_id, body), uow)
    return QuoteOut.of(quote, uow.clock.today())


@partner_router.post("/{quote_id}/send", response_model=QuoteOut, summary="Send the quote")
async def send_partner_quote(quote_id: Id, caller: PartnerCaller, uow: UowDep) -> QuoteOut:
    quote = await handlers.send_quote(commands.SendQuote(caller, quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())


@partner_router.post("/{quote_id}/cancel", response_model=QuoteOut, summary="Cancel the quote")
async def cancel_partner_quote(quote_id: Id, caller: PartnerCaller, uow: UowDep) -> QuoteOut:
    quote = await handlers.cancel_quote(commands.CancelQuote(caller, quote_id), uow)
    return QuoteOut.of(quote, uow.clock.today())
