"""Automatic renewal quotes (R-QUO-8): a periodic job, safe with N replicas, and the rules that
withdraw them. One renewal of one subscription is quoted automatically at most once, keyed by
its renewal id (automatic_quote_renewals)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from services.quotes.domain.automatic import (
    MANUAL_RENEWAL_WINDOW_DAYS,
    automatic_recipients,
    group_renewals,
    renews_manually,
    valid_until,
    window_opened,
)
from services.quotes.domain.drafting import LineRequest, QuoteRequest, draft_lines
from services.quotes.domain.model import Quote, QuoteOrigin, QuoteStatus, quote_number
from services.quotes.domain.pricing import estimate_tax
from services.quotes.service_layer.handlers import quote_sent_event
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.terms import renewal_id_for

log = logging.getLogger(__name__)
CREATED_BY = "automatic-renewal-quotes"


async def make_automatic_quotes(uow: QuotesUnitOfWork, catch_up_days: int) -> int:
    """Periodic: one automatic quote per renewal group whose manual renewal windows opened
    (R-QUO-8). Returns how many quotes were made."""
    async with uow:
        today = uow.clock.today()
        opening = today + timedelta(days=MANUAL_RENEWAL_WINDOW_DAYS)
        candidates = [
            sub
            for sub in await uow.projections.manual_renewals_due(
                opening - timedelta(days=catch_up_days), opening
            )
            if renews_manually(sub) and window_opened(sub, today, catch_up_days)
        ]
        done = await uow.quotes.quoted_automatically(
            [str(renewal_id_for(s.subscription_id, s.renewal_date)) for s in candidates]
        )
        held = await uow.quotes.holding_renewals(candidates, today)
        fresh = [
            s
            for s in candidates
            if str(renewal_id_for(s.subscription_id, s.renewal_date)) not in done
            and s.subscription_id not in held  # already on a customer's or partner's quote
        ]
        groups = [
            (g.key.csn, [s.subscription_id for s in g.subscriptions]) for g in group_renewals(fresh)
        ]
    made = 0
    for csn, ids in groups:
        made += await _quote_group(uow, csn, ids, catch_up_days)
    return made


async def _quote_group(uow: QuotesUnitOfWork, csn: str, ids: list[str], catch_up_days: int) -> int:
    async with uow:
        today, now = uow.clock.today(), uow.clock.now()
        locked = await uow.projections.subscriptions(csn, ids, for_update=True)
        current = [
            s
            for s in locked.values()
            if renews_manually(s) and window_opened(s, today, catch_up_days)
        ]
        if not current:
            return 0
        group = group_renewals(current)[0]
        recipients = automatic_recipients(await uow.projections.account_contacts(csn))
        if not recipients:
            log.info("no primary admin or contract manager known for %s yet: not quoted", csn)
            return 0
        quote_id = str(uuid.uuid4())
        renewals = {
            str(renewal_id_for(s.subscription_id, s.renewal_date)): s.subscription_id
            for s in group.subscriptions
        }
        if not await uow.quotes.claim_automatic_renewals(quote_id, renewals, now):
            return 0  # another replica quoted these renewals: never twice
        subs = {s.subscription_id: s for s in group.subscriptions}
        request = QuoteRequest(lines=[LineRequest(subscription_id=sid) for sid in subs])
        drafted = draft_lines(request, subs, await uow.price_book.load(), today, held={})
        customer = await uow.projections.customer(csn)
        quote = Quote(
            id=quote_id,
            number=quote_number(csn, await uow.quotes.next_number(csn)),
            csn=csn,
            origin=QuoteOrigin.AUTOMATIC,
            status=QuoteStatus.DRAFT,
            currency=drafted.currency,
            purchase_method=group.key.purchase_method,
            partner_csn=group.key.partner_csn,
            created_by=CREATED_BY,
            created_at=now,
            validity_days=(valid_until(group) - today).days,  # valid until the renewal date
            recipients=recipients,
            billing_address=customer.address if customer else None,
            priced_on=today,
        )
        quote.replace_lines(drafted.lines, today)  # the subscription's price and term, R-QUO-7
        estimate_tax(quote)
        quote.send(now)
        uow.quotes.add(quote)
        uow.publish(quote_sent_event(quote, today))
        await uow.commit()
    log.info("automatic quote %s for %s renewals of %s", quote.number, len(subs), csn)
    return 1
