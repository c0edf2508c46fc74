"""Use cases of the subscriptions service: each takes (command or event, unit of work)."""

from __future__ import annotations

import logging

from services.subscriptions.domain.model import Subscription
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.events import (
    Envelope,
    InvoicePaid,
    MoneyField,
    PaymentFailed,
    RenewalRequested,
    SubscriptionRenewed,
)

log = logging.getLogger(__name__)


def _renewal_requested(sub: Subscription) -> RenewalRequested:
    request = sub.request_renewal()
    return RenewalRequested(
        renewal_id=request.renewal_id,
        subscription_id=sub.id,
        csn=sub.csn,
        team_id=sub.team_id,
        product_code=sub.product_code,
        product_name=sub.product_name,
        seats=sub.seats,
        term=sub.term.value,
        unit_price=MoneyField(amount=sub.unit_price_amount, currency=sub.currency),
        period_start=request.period_start,
        period_end=request.period_end,
        payment_method_id=sub.payment_method_id,
        collection="automatic",
    )


async def sweep_due_renewals(uow: SubscriptionsUnitOfWork, batch_size: int = 200) -> int:
    """Request the renewal of every due auto-renew subscription once (R-SUB-5).

    Rows are locked with SKIP LOCKED: two replicas sweeping at once never pick the same one.
    """
    async with uow:
        due = await uow.subscriptions.lock_due_for_renewal(uow.clock.today(), batch_size)
        for sub in due:
            if sub.is_due_for_auto_renewal(uow.clock.today()):
                uow.publish(_renewal_requested(sub))
        await uow.commit()
    return len(due)


async def complete_renewal(event: InvoicePaid, _: Envelope, uow: SubscriptionsUnitOfWork) -> None:
    """An invoice that covers renewal lines was paid: extend each subscription one term."""
    for line in event.lines:
        if line.subscription_id is None or line.period_start is None:
            continue
        sub = await uow.subscriptions.get_for_update(line.subscription_id)
        if sub is None:
            log.warning(
                "invoice %s pays unknown subscription %s", event.invoice_id, line.subscription_id
            )
            continue
        previous = sub.renewal_date
        new_date = sub.complete_renewal(line.period_start)
        if new_date is None:
            continue  # this term was already renewed: nothing changes twice
        uow.publish(
            SubscriptionRenewed(
                subscription_id=sub.id,
                csn=sub.csn,
                renewal_id=line.renewal_id,
                invoice_id=event.invoice_id,
                term=sub.term.value,
                seats=sub.seats,
                previous_renewal_date=previous,
                renewal_date=new_date,
            )
        )


async def record_payment_failure(
    event: PaymentFailed, _: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """A charge failed: the subscription shows a payment error; nothing is renewed (R-PAY-4)."""
    for subscription_id in event.subscription_ids:
        sub = await uow.subscriptions.get_for_update(subscription_id)
        if sub is not None:
            sub.record_payment_error(event.reason)
