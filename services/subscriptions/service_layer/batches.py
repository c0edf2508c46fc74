"""Subscriptions' hot path for a batch of events (issue 13): the invoice-paid events of one
poll, already deduplicated, in one unit of work. The subscriptions they name are read in one
locking statement, the aggregate completes each renewal in the order the events arrived, and
the moved rows are written in one executemany. What each event caused is published with that
event's correlation: one subscription-changed per subscription it moved and its
subscription-renewed, exactly as `event_handlers.complete_renewal` does one event per
transaction; a batch of one is correct too (the consumer's fallback when a batch fails)."""

from __future__ import annotations

from collections.abc import Sequence

from services.subscriptions.domain.model import Subscription
from services.subscriptions.service_layer.event_handlers import apply_paid_line
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork, outgoing
from shared.aggregate import Collected, in_publishing_order
from shared.events import Envelope, InvoicePaid


async def complete_renewals(
    items: Sequence[tuple[InvoicePaid, Envelope]], uow: SubscriptionsUnitOfWork
) -> None:
    """Paid renewal invoices: each subscription runs one more term from its old date
    (R-SUB-12) with the seats, term and price paid for (R-SUB-8, R-SEAT-3, R-QUO-2)."""
    named = {line.subscription_id for event, _ in items for line in event.lines}
    loaded = await uow.rows.for_update(i for i in named if i is not None)
    subs = loaded.aggregates
    methods = await uow.subscriptions.methods(
        [s.payment_method_id for s in subs.values() if s.payment_method_id]
    )
    for event, envelope in items:
        touched: dict[str, Subscription] = {}
        for line in event.lines:
            if line.subscription_id is None:
                continue
            sub = subs.get(line.subscription_id)
            apply_paid_line(event, line, sub)
            if sub is not None:
                touched[sub.id] = sub
        # What this event changed, as its own transaction would publish it on commit.
        collected: list[Collected] = [
            (seq, sub, recorded)
            for sub in touched.values()
            for seq, recorded in sub.collect_events()
        ]
        for aggregate, recorded in in_publishing_order(collected):
            method = methods.get(getattr(aggregate, "payment_method_id", None) or "")
            for news in outgoing(aggregate, recorded, method):
                uow.publish(news, cause=envelope)
    await uow.rows.save(loaded.changed())
