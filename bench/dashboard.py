"""Summary dashboard latency and throughput (R-SUM-1..4) for an account with 1,000
subscriptions, on PostgreSQL and the real broker, through the gateway.

Seeds one account (bench-only, through the subscriptions service's own unit of work, like
bench/renewals.py: subscriptions over several products and teams, renewal dates spread over
the year, some set to manual renewal so that alerts exist, each with its subscription-changed
snapshot in the outbox so that the other services' projections fill), waits until every
consumer is caught up (every outbox relayed, every consumer group's lag 0: bench/caught_up.py),
then has C concurrent clients call GET /v1/dashboard through the gateway for a while.
Prints p50/p99 latency and requests/s, and each source's own latency asked of its service
directly.

    uv run python -m bench.dashboard                  # 1,000 subscriptions, 8 clients, 20 s
    uv run python -m bench.dashboard --subscriptions 5000 --clients 16 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.caught_up import wait_caught_up
from bench.renewals import card_view, percentile, seed_billing_accounts
from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from services.gateway.dashboard import sources
from services.subscriptions.adapters.orm import messaging as subscriptions_messaging
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind as SubPaymentKind
from services.subscriptions.domain.values import PurchaseMethod, Status, Term
from services.subscriptions.domain.views import Team
from services.subscriptions.service_layer.messages import subscription_changed as snapshot
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory
from shared.infra.kafka import kafka_broker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test
from shared.principal import Principal, Role, to_headers
from shared.settings import DEV_INTERNAL_TOKEN

CSN = "D000000001"
PRODUCTS = [
    ("CAD-PRO", "CAD Pro", 189_000),
    ("RENDER", "Render Cloud", 4_900),
    ("PDM", "Product Data Manager", 42_000),
    ("SIM", "Simulation Suite", 99_000),
    ("VIEWER", "Viewer Plus", 12_000),
]
TEAMS = 12


def bench_subscription(n: int, today: Any) -> Subscription:
    code, name, price = PRODUCTS[n % len(PRODUCTS)]
    manual = n % 7 == 0  # some renew by hand: they show as alerts near their date
    return Subscription(
        id=f"sub-dash-{n:06d}",
        csn=CSN,
        team_id=f"team-dash-{n % TEAMS:02d}",
        product_code=code,
        product_name=name,
        seats=1 + n % 25,
        term=Term.ANNUAL,
        unit_price_amount=price,
        currency="EUR",
        auto_renew=not manual,
        start_date=today - timedelta(days=365 - (n % 365)),
        renewal_date=today + timedelta(days=2 + n % 360),
        status=Status.ACTIVE,
        purchase_method=PurchaseMethod.ONLINE_DIRECT,
        payment_method_id=f"pm-{CSN}",
        contract_id=f"contract-dash-{n % 40:02d}" if n % 3 == 0 else None,
    )


async def seed(urls: dict[str, str], count: int) -> None:
    clock = SystemClock()
    today = clock.today()
    engines = {s: create_engine(urls[s]) for s in ("subscriptions", "invoicing", "payments")}
    try:
        await seed_billing_accounts(engines, [CSN], clock)
        async with SubscriptionsUnitOfWork(
            session_factory(engines["subscriptions"]), clock, "bench", subscriptions_messaging
        ) as uow:
            method = card_view(CSN, SubPaymentKind.CARD)
            uow.subscriptions.add(method)
            for t in range(TEAMS):
                uow.subscriptions.add_team(Team(id=f"team-dash-{t:02d}", csn=CSN, name=f"Team {t}"))
            for n in range(count):
                sub = bench_subscription(n, today)
                uow.subscriptions.add(sub)
                uow.publish(snapshot(sub, method))  # what the demo loader does for its own
            await uow.commit()
    finally:
        for engine in engines.values():
            await engine.dispose()


async def load(
    gateway: str, clients: int, seconds: float
) -> tuple[list[float], dict[str, Any], int]:
    token = issue_token(GatewaySettings(), subject="bench@dash.example", csn=CSN,
                        roles=["primary_admin"])  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    last: dict[str, Any] = {}
    partial = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=gateway, timeout=30, limits=limits) as client:
        for _ in range(5):  # warm-up: connections, caches
            (await client.get("/v1/dashboard", headers=headers)).raise_for_status()
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal last, partial
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                resp = await client.get("/v1/dashboard", headers=headers)
                latencies.append((time.perf_counter() - t0) * 1000)
                resp.raise_for_status()
                last = resp.json()
                partial += bool(last["partial"])

        await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, last, partial


async def source_latencies(stack: Stack, samples: int = 30) -> dict[str, float]:
    """Each part on its own, asked of its service directly (median ms)."""
    principal = Principal("bench@dash.example", CSN, frozenset({Role.PRIMARY_ADMIN}))
    headers = {**to_headers(principal), "X-Internal-Token": DEV_INTERNAL_TOKEN}
    medians: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for source in sources(list_limit=20):
            times = []
            for _ in range(samples):
                t0 = time.perf_counter()
                resp = await client.get(
                    f"{stack.url(source.service)}{source.path}",
                    params=source.params,
                    headers=headers,
                )
                times.append((time.perf_counter() - t0) * 1000)
            label = f"{source.service} {source.path} ({resp.status_code})"
            medians[label] = statistics.median(times)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--clients", default="1,8", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=15, help="per concurrency level")
    parser.add_argument(
        "--dashboard-timeout", type=float, default=10, help="DASHBOARD_TIMEOUT_SECONDS (prod: 2)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
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
            env={
                **settings_under_test(work / "ledger.db"),
                "LOG_LEVEL": "WARNING",
                "DASHBOARD_TIMEOUT_SECONDS": str(args.dashboard_timeout),
            },
        ).start()
        try:
            asyncio.run(seed(urls, args.subscriptions))
            waited = asyncio.run(wait_caught_up(stack, bootstrap, timeout=600))
            runs = [
                (int(c), *asyncio.run(load(stack.url("gateway"), int(c), args.seconds)))
                for c in args.clients.split(",")
            ]
            parts = asyncio.run(source_latencies(stack))
            stack_url = stack.url("gateway")
        finally:
            stack.stop()
    page = runs[-1][2]
    cards = page.get("product_cards") or []
    print(
        f"seeded, then waited {waited[0]:.1f}s until every outbox was relayed and every consumer "
        f"group had committed to the end of its partitions (at first: {waited[1]})"
    )
    print(
        f"dashboard through the gateway ({stack_url}): account with {args.subscriptions} subscriptions "
        f"({sum(c.get('subscriptions', 0) for c in cards)} active on {len(cards)} product cards), "
        f"PostgreSQL, per-call timeout {args.dashboard_timeout:g}s, {args.seconds:.0f}s per level"
    )
    for clients, latencies, last, partial in runs:
        print(
            f"  {clients:>3} clients: p50 {statistics.median(latencies):6.0f} ms, "
            f"p99 {percentile(latencies, 99):6.0f} ms, {len(latencies) / args.seconds:6.1f} "
            f"requests/s ({len(latencies)} requests, {partial} partial); "
            f"unavailable on the last: {last.get('unavailable')}"
        )
    print("each source on its own, asked of its service directly (not through the gateway):")
    for label, median in parts.items():
        print(f"  source {label:<55} p50 {median:6.1f} ms")


if __name__ == "__main__":
    main()
