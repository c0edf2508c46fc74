"""Snapshots of other services kept by quotes, a batch at a time: the batch consumer hands
over the new events of one poll, in delivery order, inside one unit of work it commits. Each
batch is one upsert per table, keeping the newest snapshot of each key (R-QUO-5, R-INV-5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.quotes.adapters.orm import customer_snapshots, subscription_snapshots
from services.quotes.service_layer.advice import withdraw_paid_elsewhere
from services.quotes.service_layer.uow import QuotesUnitOfWork
from shared.events import CustomerChanged, Envelope, SubscriptionChanged
from shared.projections import upsert_newest


def subscription_row(event: SubscriptionChanged, envelope: Envelope) -> dict[str, Any]:
    return {
        **event.model_dump(),
        "unit_price": event.unit_price.amount,
        "currency": event.unit_price.currency,
        "renewal_amount": event.renewal_amount.amount,
        "occurred_at": envelope.occurred_at,
    }


def customer_row(event: CustomerChanged, envelope: Envelope) -> dict[str, Any]:
    return {
        "csn": event.csn,
        "company_name": event.company_name,
        **event.billing_address.model_dump(),
        "net_terms_days": event.net_terms_days,
        "occurred_at": envelope.occurred_at,
    }


async def record_subscriptions(
    items: Sequence[tuple[SubscriptionChanged, Envelope]], uow: QuotesUnitOfWork
) -> None:
    """`record_subscription` for a batch: the newest snapshot of each subscription in one
    statement, then the automatic quotes of those renewed another way (R-QUO-8), found for the
    whole batch at once."""
    await upsert_newest(
        uow.session,
        subscription_snapshots,
        [subscription_row(event, envelope) for event, envelope in items],
        "occurred_at",
    )
    await withdraw_paid_elsewhere([event.subscription_id for event, _ in items], uow)


async def record_customers(
    items: Sequence[tuple[CustomerChanged, Envelope]], uow: QuotesUnitOfWork
) -> None:
    """`record_customer` for a batch: the newest billing address of each account."""
    await upsert_newest(
        uow.session,
        customer_snapshots,
        [customer_row(event, envelope) for event, envelope in items],
        "occurred_at",
    )
