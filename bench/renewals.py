"""Renewal throughput and latency through the whole flow, on PostgreSQL and the real broker.

N auto-renew subscriptions fall due at once; every one goes renewal-requested → invoice-issued
→ charge → payment-succeeded → invoice-paid → subscription-renewed across the four service
processes. Prints renewals/s and p50/p99 latency from renewal-requested to subscription-renewed
(both timestamps are the producing services' `occurred_at`), and each process's peak memory.

    make bench                      # 2,000 subscriptions
    make bench ARGS="--count 500"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from services.invoicing.adapters.orm import messaging as invoicing_messaging
from services.invoicing.domain.model import Customer
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from services.payments.adapters.orm import messaging as payments_messaging
from services.payments.domain.model import PaymentMethod, PaymentMethodKind
from services.payments.service_layer.uow import PaymentsUnitOfWork
from services.subscriptions.adapters.orm import messaging as subscriptions_messaging
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind as SubPaymentKind
from services.subscriptions.domain.values import PurchaseMethod, Status, Term
from services.subscriptions.domain.views import PaymentMethodView
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory
from shared.infra.kafka import kafka_broker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test

SUBS_PER_ACCOUNT = 40
STAGES = (
    "renewal-requested",
    "invoice-issued",
    "payment-succeeded",
    "invoice-paid",
    "subscription-renewed",
)


def card_view(csn: str, kind: SubPaymentKind) -> PaymentMethodView:
    return PaymentMethodView(
        id=f"pm-{csn}",
        csn=csn,
        kind=kind,
        label="Visa •••• 4242",
        recurring=True,
        valid=True,
        active=True,
        version_at="0000",
    )


async def seed_billing_accounts(
    engines: dict[str, AsyncEngine], accounts: list[str], clock: SystemClock
) -> None:
    """What invoicing and payments know of each bench account: a Berlin billing address
    (German VAT) and a working card `pm-<csn>`."""
    async with InvoicingUnitOfWork(
        session_factory(engines["invoicing"]), clock, "bench", invoicing_messaging
    ) as uow:
        for csn in accounts:
            uow.customers.add(
                Customer(
                    csn=csn,
                    company_name=f"Bench {csn}",
                    address_line1="Friedrichstrasse 68",
                    city="Berlin",
                    postal_code="10117",
                    country="DE",
                )
            )
        await uow.commit()
    async with PaymentsUnitOfWork(
        session_factory(engines["payments"]), clock, "bench", payments_messaging
    ) as uow:
        for csn in accounts:
            uow.payment_methods.add(
                PaymentMethod(
                    id=f"pm-{csn}",
                    csn=csn,
                    kind=PaymentMethodKind.CARD,
                    provider_token="tok_visa",
                    brand="visa",
                    last4="4242",
                    holder_name=csn,
                    exp_month=12,
                    exp_year=2040,
                )
            )
        await uow.commit()


async def seed(urls: dict[str, str], count: int) -> None:
    clock, today = SystemClock(), SystemClock().today()
    accounts = [f"B{n:09d}" for n in range((count + SUBS_PER_ACCOUNT - 1) // SUBS_PER_ACCOUNT)]
    engines = {s: create_engine(urls[s]) for s in ("subscriptions", "invoicing", "payments")}
    try:
        await seed_billing_accounts(engines, accounts, clock)
        async with SubscriptionsUnitOfWork(
            session_factory(engines["subscriptions"]), clock, "bench", subscriptions_messaging
        ) as uow:
            for n in range(count):
                csn = accounts[n // SUBS_PER_ACCOUNT]
                uow.subscriptions.add(
                    Subscription(
                        id=f"sub-bench-{n:06d}",
                        csn=csn,
                        team_id="team-bench",
                        product_code="CAD",
                        product_name="CAD Pro",
                        seats=1 + n % 20,
                        term=Term.ANNUAL,
                        unit_price_amount=189_000,
                        currency="EUR",
                        auto_renew=True,
                        start_date=today - timedelta(days=364),
                        renewal_date=today + timedelta(days=1),
                        status=Status.ACTIVE,
                        purchase_method=PurchaseMethod.ONLINE_DIRECT,
                        payment_method_id=f"pm-{csn}",
                    )
                )
            for csn in accounts:  # what payment-method-changed would have told it
                uow.subscriptions.add(card_view(csn, SubPaymentKind.CARD))
            await uow.commit()
    finally:
        for engine in engines.values():
            await engine.dispose()


async def drain(bootstrap: str, topic: str, until: int, deadline: float) -> dict[str, datetime]:
    """occurred_at of each bench event on one topic, read until `until` events were seen."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        metadata_max_age_ms=500,
    )
    await consumer.start()
    seen: dict[str, datetime] = {}
    try:
        while len(seen) < until and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    env = json.loads(r.value)
                    if env["data"].get("csn", "").startswith("B0"):
                        seen.setdefault(env["key"], datetime.fromisoformat(env["occurred_at"]))
    finally:
        await consumer.stop()
    return seen


async def collect(bootstrap: str, count: int, timeout: float) -> dict[str, dict[str, datetime]]:
    """Wait until every subscription was renewed, then read each stage's events."""
    deadline = time.monotonic() + timeout
    renewed = await drain(bootstrap, "subscription-renewed", count, deadline)
    seen = {
        topic: await drain(bootstrap, topic, count, time.monotonic() + 30) for topic in STAGES[:-1]
    }
    return {**seen, "subscription-renewed": renewed}


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-renewals-"))
    with (
        kafka_broker(log_path=work / "broker.log") as bootstrap,
        test_databases(list(SERVICE_NAMES), work / "sqlite") as urls,
    ):
        if not all(u.startswith("postgresql") for u in urls.values()):
            raise SystemExit("the bench runs on PostgreSQL; none is reachable")
        stack = Stack(
            bootstrap_servers=bootstrap,
            database_urls=urls,
            log_dir=work / "logs",
            env={**settings_under_test(work / "ledger.db"), "LOG_LEVEL": "WARNING"},
        ).start()
        try:
            asyncio.run(seed(urls, args.count))
            token = issue_token(
                GatewaySettings(), subject="bench", csn="B000000000", roles=["primary_admin"]
            )
            t0 = time.perf_counter()
            resp = httpx.post(
                f"{stack.url('gateway')}/v1/dev/clock/advance",
                json={"days": 1},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            resp.raise_for_status()
            seen = asyncio.run(collect(bootstrap, args.count, args.timeout))
            wall = time.perf_counter() - t0
            requested, renewed = seen["renewal-requested"], seen["subscription-renewed"]
            latencies = [
                (renewed[k] - requested[k]).total_seconds() * 1000
                for k in renewed
                if k in requested
            ]
            span = (max(renewed.values()) - min(requested.values())).total_seconds()
            print(f"renewals: {len(renewed)}/{args.count} renewed (PostgreSQL, broker {bootstrap})")
            print(
                f"throughput: {len(renewed) / span:.1f} renewals/s over {span:.2f}s "
                f"(first renewal-requested to last subscription-renewed); wall {wall:.2f}s"
            )
            print(
                f"latency renewal-requested→subscription-renewed: p50 {statistics.median(latencies):.0f} ms, "
                f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms"
            )
            start = min(requested.values())
            for topic in STAGES:
                times = list(seen[topic].values())
                last = f"last at +{(max(times) - start).total_seconds():6.2f}s" if times else ""
                print(f"  {topic:<21} {len(times):>6} events {last}")
            print(
                "peak RSS: "
                + ", ".join(
                    f"{name} {peak_rss_mib(p.pid):.0f} MiB" for name, p in stack.processes.items()
                )
            )
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
