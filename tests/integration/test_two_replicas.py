"""Two replicas of the subscriptions service, as real processes on one PostgreSQL database and
the real broker: their renewal and expiry sweeps run at the same time, and every due renewal is
requested once and every lapsed subscription expired once (R-SUB-5, R-SUB-13)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import services.subscriptions.adapters.orm as orm
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.infra.kafka import TansuBroker
from shared.infra.postgres import test_databases as fresh_databases
from shared.infra.stack import Stack, settings_under_test
from tests.kafka_tools import eventually

MIGRATIONS = Path(orm.__file__).resolve().parent.parent / "migrations"
DUE, LAPSED = 150, 60


@pytest.fixture(scope="module")
def replica_db(artifacts: Path) -> Iterator[str]:
    with fresh_databases(["replicas"], artifacts / "sqlite-replicas") as urls:
        if not urls["replicas"].startswith("postgresql"):
            pytest.skip("two processes on one database need PostgreSQL (row locks)")
        yield urls["replicas"]


async def seed(url: str) -> None:
    engine = create_engine(url)
    await upgrade_to_head(engine, MIGRATIONS)
    clock = SystemClock()
    today = clock.today()
    async with SubscriptionsUnitOfWork(
        session_factory(engine), clock, "seed", orm.messaging
    ) as uow:
        uow.subscriptions.add(
            PaymentMethodView(
                "pm-r", "5100000077", PaymentMethodKind.CARD, "Visa", True, True, True, "0"
            )
        )
        for n in range(DUE + LAPSED):
            due = n < DUE
            renewal = today - timedelta(days=n % 3) if due else today - timedelta(days=1 + n % 5)
            uow.subscriptions.add(
                Subscription(
                    id=f"sub-r-{n:04d}",
                    csn="5100000077",
                    team_id="t",
                    product_code="CAD-PRO",
                    product_name="CAD Pro",
                    seats=1,
                    term=Term.MONTHLY,
                    unit_price_amount=1_000,
                    currency="EUR",
                    auto_renew=due,
                    start_date=renewal - timedelta(days=30),
                    renewal_date=renewal,
                    status=Status.ACTIVE,
                    purchase_method=PurchaseMethod.ONLINE_DIRECT,
                    payment_method_id="pm-r" if due else None,
                )
            )
        await uow.commit()
    await engine.dispose()


async def outbox_types(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            payloads = (await conn.scalars(select(orm.messaging.outbox.c.payload))).all()
    finally:
        await engine.dispose()
    return [(e["type"], e["key"]) for e in map(json.loads, payloads)]


@pytest.fixture(scope="module")
def own_broker(artifacts: Path) -> Iterator[str]:
    """A broker of its own: the 150 renewals requested here are for an account no other
    service knows, and the end-to-end stack's invoicing would park every one of them."""
    broker = TansuBroker(log_path=artifacts / "broker-replicas.log").start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


async def test_two_replicas_sweep_at_once_and_nothing_happens_twice_r_sub_5_r_sub_13(
    replica_db: str, own_broker: str, artifacts: Path
) -> None:
    await seed(replica_db)
    env = {
        **settings_under_test(artifacts / "replicas-ledger.db"),
        "RENEWAL_SWEEP_SECONDS": "0.05",
        "EXPIRY_SWEEP_SECONDS": "0.05",
        "RENEWAL_SWEEP_BATCH": "7",
        "EXPIRY_SWEEP_BATCH": "5",
    }
    replicas = [
        Stack(own_broker, {"subscriptions": replica_db}, artifacts / f"logs-replica-{n}", env)
        for n in (1, 2)
    ]
    try:
        for replica in replicas:  # both start together: migrations, sweeps, relays
            replica.start_process("subscriptions")
        for replica in replicas:
            await asyncio.to_thread(replica.wait_ready, ("subscriptions",))

        async def settled() -> Counter[str] | None:
            kinds = Counter(t for t, _ in await outbox_types(replica_db))
            done = kinds["renewal-requested"] >= DUE and kinds["subscription-expired"] >= LAPSED
            return kinds if done else None

        await eventually(settled, timeout=90)
        await asyncio.sleep(1.5)  # more sweep rounds on both replicas: nothing new may appear
        events = await outbox_types(replica_db)
        requested = [key for t, key in events if t == "renewal-requested"]
        expired = [key for t, key in events if t == "subscription-expired"]
        assert len(requested) == DUE and len(set(requested)) == DUE
        assert len(expired) == LAPSED and len(set(expired)) == LAPSED
        assert not set(requested) & set(expired)
        for replica in replicas:  # both replicas really ran (neither crashed nor idled out)
            assert replica.processes["subscriptions"].poll() is None
    finally:
        for replica in replicas:
            replica.stop()
