"""Use cases of the quotes service: each takes (command or event, unit of work).

Request handlers get a unit of work that is already open and commit it when they change
something; event handlers run inside the idempotent consumer's unit of work."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.orm.exc import StaleDataError

from services.quotes.domain import commands
from services.quotes.domain.drafting import (
    QuoteRequest,
    draft_lines,
    refuse_changed_terms,
    refuse_forbidden_requests,
)
from services.quotes.domain.eligibility import (
    Ineligible,
    RenewalGroup,
    SubscriptionSnapshot,
    ensure_buyer_quotes_one_subscription,
    group_for_renewal_quote,
    not_quotable,
)
from services.quotes.domain.model import (
    LineKind,
    Quote,
    QuoteConflict,
    QuoteLine,
    QuoteOrigin,
    QuoteStatus,
    partner_recipients,
    quote_number,
    self_service_recipients,
)
from services.quotes.domain.pricing import estimate_tax
from services.quotes.service_layer.advice import withdraw_paid_elsewhere, withdraw_superseded
from services.quotes.service_layer.projections import customer_row, subscription_row
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.errors import NotFound
from shared.events import (
    AccountContactsChanged,
    CustomerChanged,
    Envelope,
    MoneyField,
    QuoteAccepted,
    QuoteSent,
    SubscriptionChanged,
)
from shared.events import QuoteLine as QuoteLineContract

C = TypeVar("C")


def one_change_at_a_time(
    handler: Callable[[C, QuotesUnitOfWork], Awaitable[Quote]],
) -> Callable[[C, QuotesUnitOfWork], Awaitable[Quote]]:
    """Two changes of one quote at once (where rows cannot be locked): the second is refused."""

    @functools.wraps(handler)
    async def run(cmd: C, uow: QuotesUnitOfWork) -> Quote:
        try:
            return await handler(cmd, uow)
        except StaleDataError as exc:
            raise QuoteConflict(
                "quote_changed_meanwhile",
                "The quote changed at the same moment; reload it and try again.",
            ) from exc

    return run


# --- projections --------------------------------------------------------------------------------


async def record_subscription(
    event: SubscriptionChanged, envelope: Envelope, uow: QuotesUnitOfWork
) -> None:
    """Keep the newest snapshot of each subscription, for eligibility (R-QUO-5)."""
    await uow.projections.record_subscription(subscription_row(event, envelope))
    await withdraw_paid_elsewhere([event.subscription_id], uow)  # R-QUO-8


async def record_account_contacts(
    event: AccountContactsChanged, envelope: Envelope, uow: QuotesUnitOfWork
) -> None:
    """The account's people and roles: automatic quotes go to its primary admins and contract
    managers (R-QUO-8); they are company contacts for partner quotes too (R-QUO-3)."""
    contacts = [c.model_dump() for c in event.contacts]
    await uow.projections.record_account_contacts(
        event.csn, json.dumps(contacts), envelope.occurred_at
    )
    for contact in event.contacts:
        await uow.projections.add_contact(event.csn, contact.email, contact.name)


async def record_customer(
    event: CustomerChanged, envelope: Envelope, uow: QuotesUnitOfWork
) -> None:
    """Keep the newest billing address of each account, for the tax estimate (R-INV-5)."""
    await uow.projections.record_customer(customer_row(event, envelope))


# --- self-service and partner quotes -------------------------------------------------------


async def _subscriptions_for(
    caller: commands.Caller, ids: list[str], uow: QuotesUnitOfWork, *, lock: bool = False
) -> dict[str, SubscriptionSnapshot]:
    return await uow.projections.subscriptions(
        caller.csn, ids, partner_csn=caller.partner_csn, for_update=lock
    )


async def group_subscriptions(
    cmd: commands.GroupForRenewalQuote, uow: QuotesUnitOfWork
) -> tuple[list[RenewalGroup], list[Ineligible]]:
    """The selection's eligible subscriptions grouped by CSN, currency and purchase method,
    and the others with the reason (R-QUO-4, R-QUO-5)."""
    found = await _subscriptions_for(cmd.caller, cmd.subscription_ids, uow)
    held = await uow.quotes.holding_renewals(list(found.values()), uow.clock.today())
    return group_for_renewal_quote(cmd.subscription_ids, found, held)


def _referenced(request: QuoteRequest) -> list[str]:
    ids = [i for line in request.lines for i in (line.subscription_id, line.coterm_with) if i]
    return list(dict.fromkeys(ids))


async def _recipients(
    caller: commands.Caller, recipients: list[str], uow: QuotesUnitOfWork
) -> list[str]:
    if caller.as_partner:
        return partner_recipients(recipients, await uow.projections.contacts(caller.csn))
    return self_service_recipients(recipients)


async def _ensure_agent_of_record(caller: commands.Caller, uow: QuotesUnitOfWork) -> None:
    """A partner quotes only for a customer it is agent of record of; any other customer is
    as unknown to it as one that does not exist (R-QUO-3)."""
    partner = caller.partner_csn
    if partner is not None and not await uow.projections.is_agent_of_record(caller.csn, partner):
        raise NotFound("customer", caller.csn)


async def create_quote(cmd: commands.CreateQuote, uow: QuotesUnitOfWork) -> Quote:
    """A draft quote from a renewal group or a single subscription (R-QUO-4, R-ROLE-4), or by
    a partner for its customer (R-QUO-3)."""
    caller, today = cmd.caller, uow.clock.today()
    await _ensure_agent_of_record(caller, uow)
    if not caller.as_partner:
        ensure_buyer_quotes_one_subscription(caller.principal.roles, len(cmd.request.lines))
    subs = await _subscriptions_for(caller, _referenced(cmd.request), uow)
    held = await uow.quotes.holding_renewals(list(subs.values()), today)
    drafted = draft_lines(cmd.request, subs, await uow.price_book.load(), today, held)
    customer = await uow.projections.customer(caller.csn)
    origin = QuoteOrigin.PARTNER if caller.as_partner else QuoteOrigin.SELF_SERVICE
    quote = Quote(
        id=str(uuid.uuid4()),
        number=quote_number(caller.csn, await uow.quotes.next_number(caller.csn)),
        csn=caller.csn,
        origin=origin,
        status=QuoteStatus.DRAFT,
        currency=drafted.currency,
        purchase_method=drafted.purchase_method or origin_purchase_method(origin),
        partner_csn=caller.partner_csn or drafted.partner_csn,
        created_by=caller.principal.subject,
        created_at=uow.clock.now(),
        validity_days=cmd.validity_days,
        recipients=await _recipients(caller, cmd.recipients, uow),
        billing_address=customer.address if customer else None,
        priced_on=today,
    )
    quote.replace_lines(drafted.lines, today)
    estimate_tax(quote)
    uow.quotes.add(quote)
    await uow.commit()
    return quote


def origin_purchase_method(origin: QuoteOrigin) -> str:
    """Purchase method of a quote with no subscription yet (new purchases only)."""
    return "partner" if origin == QuoteOrigin.PARTNER else "quote"


async def _quote(
    caller: commands.Caller, quote_id: str, uow: QuotesUnitOfWork, *, lock: bool = False
) -> Quote:
    quote = await uow.quotes.get(
        caller.csn, quote_id, partner_csn=caller.partner_csn, for_update=lock
    )
    if quote is None:
        raise NotFound("quote", quote_id)
    return quote


async def get_quote(caller: commands.Caller, quote_id: str, uow: QuotesUnitOfWork) -> Quote:
    return await _quote(caller, quote_id, uow)


@one_change_at_a_time
async def change_quote(cmd: commands.ChangeQuote, uow: QuotesUnitOfWork) -> Quote:
    """Adjust a draft: untick subscriptions, change term or seats, recipients, address."""
    caller, today = cmd.caller, uow.clock.today()
    quote = await _quote(caller, cmd.quote_id, uow, lock=True)
    if cmd.billing_address is not None:
        quote.change_address(cmd.billing_address, today)
    if cmd.replace_lines:
        if not caller.as_partner:
            ensure_buyer_quotes_one_subscription(caller.principal.roles, len(cmd.request.lines))
        subs = await _subscriptions_for(caller, _referenced(cmd.request), uow)
        held = await uow.quotes.holding_renewals(list(subs.values()), today, except_quote=quote.id)
        drafted = draft_lines(cmd.request, subs, await uow.price_book.load(), today, held)
        refuse_changed_terms(cmd.request, quote.currency, drafted.lines)
        quote.replace_lines(drafted.lines, today)
        quote.priced_on = today
    else:
        refuse_forbidden_requests(cmd.request)
        refuse_changed_terms(cmd.request, quote.currency, quote.lines)
    if cmd.recipients is not None:
        quote.change_recipients(await _recipients(caller, cmd.recipients, uow), today)
    estimate_tax(quote)
    await uow.commit()
    return quote


async def _ensure_still_quotable(quote: Quote, uow: QuotesUnitOfWork, *, check_held: bool) -> None:
    """The quoted renewals are still those of the subscriptions: active, same renewal date,
    and (when sending) not meanwhile held by another quote."""
    renewals = [line for line in quote.lines if line.kind == LineKind.RENEWAL]
    ids = [line.subscription_id for line in renewals if line.subscription_id]
    subs = await uow.projections.subscriptions(quote.csn, ids, for_update=True)
    today = uow.clock.today()
    held = (
        await uow.quotes.holding_renewals(list(subs.values()), today, except_quote=quote.id)
        if check_held
        else {}
    )
    for line in renewals:
        sub = subs.get(line.subscription_id or "")
        if sub is None or sub.renewal_date != line.period_start:
            raise QuoteConflict(
                "quote_out_of_date",
                f"Subscription {line.subscription_id} changed since quote {quote.number} was "
                "made (it renewed or its renewal date moved); create a new quote.",
            )
        refusal = not_quotable(sub, held.get(sub.subscription_id))
        if refusal is not None:
            raise refusal


@one_change_at_a_time
async def send_quote(cmd: commands.SendQuote, uow: QuotesUnitOfWork) -> Quote:
    """Send to its recipients: quote-sent lets mail and CRM act on it (R-QUO-3, R-QUO-4)."""
    quote = await _quote(cmd.caller, cmd.quote_id, uow, lock=True)
    quote.send(uow.clock.now())
    await _ensure_still_quotable(quote, uow, check_held=True)
    await withdraw_superseded(quote, uow)  # R-QUO-8
    uow.publish(quote_sent_event(quote, uow.clock.today()))
    await uow.commit()
    return quote


def quote_sent_event(quote: Quote, today: date) -> QuoteSent:
    return QuoteSent(
        quote_id=quote.id,
        quote_number=quote.number,
        csn=quote.csn,
        origin=quote.origin.value,
        partner_csn=quote.partner_csn,
        currency=quote.currency,
        recipients=quote.recipients,
        subtotal=quote.subtotal,
        discount_total=quote.discount_total,
        tax=quote.tax,
        total=quote.total,
        expires_on=quote.expires_on or today,
        lines=_contract_lines(quote),
    )


@one_change_at_a_time
async def accept_quote(cmd: commands.AcceptQuote, uow: QuotesUnitOfWork) -> Quote:
    """Turn a sent quote into a purchase, once (R-QUO-2): invoicing creates the order and its
    invoice; the subscriptions renew when that invoice is paid."""
    quote = await _quote(cmd.caller, cmd.quote_id, uow, lock=True)
    now = uow.clock.now()
    quote.accept(cmd.caller.principal.subject, now, cmd.payment_method_id)
    await _ensure_still_quotable(quote, uow, check_held=False)
    uow.publish(
        QuoteAccepted(
            quote_id=quote.id,
            quote_number=quote.number,
            csn=quote.csn,
            origin=quote.origin.value,
            partner_csn=quote.partner_csn,
            currency=quote.currency,
            accepted_by=cmd.caller.principal.subject,
            accepted_at=now,
            payment_method_id=quote.payment_method_id,
            subtotal=quote.subtotal,
            discount_total=quote.discount_total,
            lines=_contract_lines(quote),
        )
    )
    await uow.commit()
    return quote


@one_change_at_a_time
async def cancel_quote(cmd: commands.CancelQuote, uow: QuotesUnitOfWork) -> Quote:
    """Partners cancel their quotes; customers cannot (R-QUO-6)."""
    quote = await _quote(cmd.caller, cmd.quote_id, uow, lock=True)
    quote.cancel(cmd.caller.principal.subject, uow.clock.now(), by_partner=cmd.caller.as_partner)
    await uow.commit()
    return quote


async def expire_quotes(uow: QuotesUnitOfWork) -> int:
    """Periodic: sent quotes past their expiry date become expired (safe with N replicas)."""
    async with uow:
        expired = await uow.quotes.expire_past(uow.clock.today())
        await uow.commit()
    return expired


def _contract_lines(quote: Quote) -> list[QuoteLineContract]:
    return [_contract_line(line, quote.currency) for line in quote.lines]


def _contract_line(line: QuoteLine, currency: str) -> QuoteLineContract:
    return QuoteLineContract(
        line_id=line.id,
        kind=line.kind.value,
        subscription_id=line.subscription_id,
        renewal_id=line.renewal_id,
        product_code=line.product_code,
        product_name=line.product_name,
        seats=line.seats,
        term=line.term,  # type: ignore[arg-type]
        unit_price=MoneyField(amount=line.unit_price, currency=currency),
        discount=line.discount,
        amount=line.amount,
        promotion_codes=[p.code for p in line.promotions],
        period_start=line.period_start,
        period_end=line.period_end,
    )
