"""Projections applied a batch at a time (the batch consumer's `on_batch` functions, called
here directly with an opened unit of work): the same rows as one event at a time, the newest
snapshot of each key whatever the order in the batch, never an older one over a newer one
already stored. PostgreSQL, and SQLite with TEST_DATABASE_BACKEND=sqlite."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, delete, select

import services.notifications.adapters.orm as notifications_orm
import services.payments.adapters.orm as payments_orm
import services.quotes.adapters.orm as quotes_orm
from services.notifications.service_layer import handlers as notifications
from services.payments.service_layer import batches as payments_batches
from services.payments.service_layer import handlers as payments
from services.quotes.service_layer import handlers as quotes
from services.quotes.service_layer import projections as quotes_batches
from shared.events import BillingAddress, CustomerChanged, Envelope, EventData
from tests.integration.payments.helpers import subscription
from tests.integration.projections.conftest import UowFactories

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
Items = list[tuple[Any, Envelope]]


def envelope(event: EventData, occurred_at: datetime) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type=event.topic,
        version=event.version,
        occurred_at=occurred_at,
        producer="test",
        correlation_id="corr-batch",
        key=event.aggregate_key(),
        data=event.model_dump(mode="json"),
    )


def subscription_snapshot(sub: int, version: int) -> tuple[Any, Envelope]:
    """Version `version` of subscription `sub`: every field a projection keeps differs."""
    event = subscription(
        f"sub-{sub}",
        seats=10 + version,
        seats_at_renewal=10 + version,
        status="active" if version % 2 == 0 else "cancelled",
        auto_renew=version % 2 == 0,
        renewal_date=date(2026, 4, 1) + timedelta(days=version),
        payment_method_id=f"pm-{version}",
    )
    return event, envelope(event, T0 + timedelta(minutes=version))


def customer_snapshot(account: int, version: int) -> tuple[Any, Envelope]:
    event = CustomerChanged(
        csn=f"51000000{account:02d}",
        company_name=f"Acme {version}",
        billing_address=BillingAddress(line1=f"{version} Main St", city="Berlin", country="DE"),
        net_terms_days=version,
    )
    return event, envelope(event, T0 + timedelta(minutes=version))


@dataclass(frozen=True)
class Case:
    service: str
    table: Table
    one: Callable[..., Any]  # the per-event handler
    batch: Callable[..., Any]  # its batch version
    snapshot: Callable[[int, int], tuple[Any, Envelope]]
    version_of: Callable[[dict[str, Any]], int]  # which version a stored row came from


CASES = [
    Case(
        "quotes",
        quotes_orm.subscription_snapshots,
        quotes.record_subscription,
        quotes_batches.record_subscriptions,
        subscription_snapshot,
        lambda row: row["seats"] - 10,
    ),
    Case(
        "quotes",
        quotes_orm.customer_snapshots,
        quotes.record_customer,
        quotes_batches.record_customers,
        customer_snapshot,
        lambda row: row["net_terms_days"],
    ),
    Case(
        "notifications",
        notifications_orm.subscriptions,
        notifications.record_subscription,
        notifications.record_subscriptions,
        subscription_snapshot,
        lambda row: row["seats"] - 10,
    ),
    Case(
        "payments",
        payments_orm.subscription_views,
        payments.on_subscription_changed,
        payments_batches.on_subscription_changed_batch,
        subscription_snapshot,
        lambda row: int(row["payment_method_id"].removeprefix("pm-")),
    ),
]
IDS = [f"{c.service}-{c.table.name}" for c in CASES]


async def one_at_a_time(uows: UowFactories, case: Case, items: Items) -> None:
    for event, env in items:
        async with uows[case.service]() as u:
            await case.one(event, env, u)
            await u.commit()


async def as_a_batch(uows: UowFactories, case: Case, items: Items) -> None:
    async with uows[case.service]() as u:
        await case.batch(items, u)
        await u.commit()


async def stored(uows: UowFactories, service: str, table: Table) -> list[dict[str, Any]]:
    async with uows[service]() as u:
        rows = await u.session.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in rows]


async def emptied(uows: UowFactories, service: str, *tables: Table) -> None:
    async with uows[service]() as u:
        for table in tables:
            await u.session.execute(delete(table))
        await u.commit()


def shuffled_versions(case: Case) -> tuple[Items, Items]:
    """Already stored: version 9 of key 0 (newer than anything in the batch). The batch: four
    keys with versions 1..5 each, out of order, and two snapshots of key 3 taken at once."""
    stored_first = [case.snapshot(0, 9)]
    batch = [case.snapshot(key, version) for key in range(4) for version in range(1, 6)]
    random.Random(13).shuffle(batch)
    tie_event, tie_envelope = case.snapshot(3, 6)
    later_event, _ = case.snapshot(3, 7)
    batch += [(tie_event, tie_envelope), (later_event, tie_envelope.model_copy())]
    return stored_first, batch


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_batch_stores_the_same_rows_as_one_event_at_a_time(
    uows: UowFactories, case: Case
) -> None:
    stored_first, batch = shuffled_versions(case)
    await one_at_a_time(uows, case, stored_first + batch)
    one_by_one = await stored(uows, case.service, case.table)

    await emptied(uows, case.service, case.table)
    await one_at_a_time(uows, case, stored_first)
    await as_a_batch(uows, case, batch)

    assert await stored(uows, case.service, case.table) == one_by_one
    # the newest of each: 9 was stored before; 5; 5; and of the two taken at once, the later
    assert [case.version_of(row) for row in one_by_one] == [9, 5, 5, 7]


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_snapshots_of_one_key_out_of_order_in_a_batch_keep_the_newest(
    uows: UowFactories, case: Case
) -> None:
    await as_a_batch(uows, case, [case.snapshot(1, v) for v in (3, 1, 4, 2)])
    [row] = await stored(uows, case.service, case.table)
    assert case.version_of(row) == 4

    await as_a_batch(uows, case, [case.snapshot(1, v) for v in (2, 3)])  # older than stored
    [row] = await stored(uows, case.service, case.table)
    assert case.version_of(row) == 4


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_batch_of_one_is_recorded(uows: UowFactories, case: Case) -> None:
    await as_a_batch(uows, case, [case.snapshot(2, 1)])
    [row] = await stored(uows, case.service, case.table)
    assert case.version_of(row) == 1

    await as_a_batch(uows, case, [case.snapshot(2, 2)])
    [row] = await stored(uows, case.service, case.table)
    assert case.version_of(row) == 2
