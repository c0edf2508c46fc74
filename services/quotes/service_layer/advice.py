"""Automatic quotes are advice, not a hold (R-QUO-8): what withdraws them."""

from __future__ import annotations

from collections.abc import Sequence

from services.quotes.domain.automatic import renewal_paid_elsewhere
from services.quotes.domain.model import Quote, QuoteOrigin
from services.quotes.service_layer.uow import QuotesUnitOfWork


async def withdraw_superseded(quote: Quote, uow: QuotesUnitOfWork) -> None:
    """A self-service or partner quote sent for a renewal cancels the automatic quote of that
    renewal, saying which quote replaced it (R-QUO-8)."""
    if quote.origin == QuoteOrigin.AUTOMATIC:
        return
    renewals = {(line.subscription_id, line.period_start) for line in quote.lines}
    for sub_id in {sid for sid, _ in renewals if sid}:
        for advice in await uow.quotes.automatic_advice_for(sub_id):
            if any((sub_id, line.period_start) in renewals for line in advice.lines):
                advice.withdraw_advice(
                    f"superseded by quote {quote.number} for the same renewal",
                    uow.clock.now(),
                )


async def withdraw_paid_elsewhere(subscription_ids: Sequence[str], uow: QuotesUnitOfWork) -> None:
    """The renewals paid another way (a cart, auto-renew switched on and charged): a
    subscription's renewal date moved past the quoted one, so its automatic quote is withdrawn
    (R-QUO-8). For a whole batch of snapshots: one statement finds the automatic quotes still
    on offer for any of these subscriptions (none, nearly always), one more reads their
    current renewal dates; the reason names the first of them, in batch order, paid."""
    ordered = list(dict.fromkeys(subscription_ids))
    offers = await uow.quotes.automatic_advice_of(ordered)
    if not offers:
        return
    renewal_dates = await uow.projections.renewal_dates(ordered)
    now = uow.clock.now()
    for advice in offers:
        paid = renewal_paid_elsewhere(advice, ordered, renewal_dates)
        if paid is not None:
            advice.withdraw_advice(f"the renewal of {paid} was paid another way", now)
