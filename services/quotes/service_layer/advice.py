"""Automatic quotes are advice, not a hold (R-QUO-8): what withdraws them."""

from __future__ import annotations

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


async def withdraw_paid_elsewhere(subscription_id: str, uow: QuotesUnitOfWork) -> None:
    """The renewal was paid another way (a cart, auto-renew switched on and charged): its
    renewal date moved past the quoted one, so the automatic quote is withdrawn (R-QUO-8)."""
    subs = await uow.projections.subscriptions_by_id([subscription_id])
    sub = subs.get(subscription_id)
    if sub is None:
        return
    for advice in await uow.quotes.automatic_advice_for(subscription_id):
        quoted = [line for line in advice.lines if line.subscription_id == subscription_id]
        if any(line.period_start and line.period_start < sub.renewal_date for line in quoted):
            advice.withdraw_advice(
                f"the renewal of {subscription_id} was paid another way", uow.clock.now()
            )
