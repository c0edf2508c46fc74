"""Subscriptions list and bulk auto-renew, on PostgreSQL, through the gateway (default) or
asked of the subscriptions service directly (`--via service`: the principal headers and
internal token the gateway would send).

Seeds one account with N subscriptions (default 10,000; several products, teams, terms and
payment methods), waits until every consumer is caught up (bench/caught_up.py), then
measures, sequentially (real processes):
  * a filtered, searched, sorted list page (limit 50) at several offsets;
  * a bulk auto-renew toggle of 100 subscriptions (R-SUB-4), alternating off/on.
Prints p50/p99 latency in ms, requests/s and the subscriptions process's peak memory.

    make bench-subscriptions
    make bench-subscriptions ARGS="--count 10000 --rounds 200"
    make bench-subscriptions ARGS="--via service"
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bench.caught_up import wait_caught_up
from bench.flow import percentile
from bench.procstat import peak_rss_mib
from bench.renewals import card_view
from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from services.subscriptions.adapters.orm import messaging
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind, PurchaseMethod, Status, Term
from services.subscriptions.domain.views import Team
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory
from shared.infra.kafka import kafka_broker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test
from shared.principal import Principal, Role, to_headers
from shared.settings import DEV_INTERNAL_TOKEN

CSN = "B000000001"
PRODUCTS = [
    ("CAD-PRO", "CAD Pro", 189_000),
    ("RENDER", "Render Cloud", 49_000),
    ("PDM", "Product Data Manager", 165_000),
    ("SIM", "Simulation Suite", 99_000),
]
LIST_QUERY = "status=active&auto_renew=true&product=CAD-PRO&expiring_within_days=365&q=team&sort=-renewal_date&limit=50"


async def seed(url: str, count: int) -> None:
    clock = SystemClock()
    today = clock.today()
    engine = create_engine(url)
    try:
        async with SubscriptionsUnitOfWork(
            session_factory(engine), clock, "bench", messaging
        ) as uow:
            uow.subscriptions.add(card_view(CSN, PaymentMethodKind.CARD))
            for t in range(20):
                uow.subscriptions.add_team(Team(id=f"team-{t}", csn=CSN, name=f"Team {t}"))
            for n in range(count):
                code, name, price = PRODUCTS[n % len(PRODUCTS)]
                renewal = today + timedelta(days=1 + n % 700)
                uow.subscriptions.add(
                    Subscription(
                        id=f"sub-bench-{n:06d}",
                        csn=CSN,
                        team_id=f"team-{n % 20}",
                        product_code=code,
                        product_name=name,
                        seats=1 + n % 50,
                        term=Term.ANNUAL if n % 3 else Term.MONTHLY,
                        unit_price_amount=price,
                        currency="EUR",
                        auto_renew=n % 2 == 0,
                        start_date=renewal - timedelta(days=365),
                        renewal_date=renewal,
                        status=Status.ACTIVE if n % 10 else Status.EXPIRED,
                        purchase_method=PurchaseMethod.ONLINE_DIRECT,
                        payment_method_id=f"pm-{CSN}",
                        contract_id=f"ctr-{n % 200}",
                    )
                )
            await uow.commit()
    finally:
        await engine.dispose()


def timed(samples: list[float], fn: object) -> httpx.Response:
    t = time.perf_counter()
    resp: httpx.Response = fn()  # type: ignore[operator]
    samples.append((time.perf_counter() - t) * 1000)
    resp.raise_for_status()
    return resp


def report(label: str, samples: list[float]) -> None:
    total_s = sum(samples) / 1000
    print(
        f"{label}: {len(samples)} requests, p50 {statistics.median(samples):.1f} ms, "
        f"p99 {percentile(samples, 99):.1f} ms, max {max(samples):.1f} ms, "
        f"{len(samples) / total_s:.0f} req/s sequential"
    )


def client_for(stack: Stack, via: str) -> httpx.Client:
    """Through the gateway with a bearer token, or straight to the subscriptions service with
    what the gateway would add (its internal token and the caller's principal)."""
    if via == "gateway":
        token = issue_token(GatewaySettings(), subject="bench", csn=CSN, roles=["primary_admin"])
        return httpx.Client(
            base_url=stack.url("gateway"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    principal = Principal("bench", CSN, frozenset({Role.PRIMARY_ADMIN}))
    return httpx.Client(
        base_url=stack.url("subscriptions"),
        headers={**to_headers(principal), "X-Internal-Token": DEV_INTERNAL_TOKEN},
        timeout=30,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--via", choices=("gateway", "service"), default="gateway")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-subscriptions-"))
    with (
        kafka_broker(log_path=work / "broker.log") as bootstrap,
        test_databases(list(SERVICE_NAMES), work / "sqlite") as urls,
    ):
        if not urls["subscriptions"].startswith("postgresql"):
            raise SystemExit("the bench runs on PostgreSQL; none is reachable")
        stack = Stack(
            bootstrap_servers=bootstrap,
            database_urls=urls,
            log_dir=work / "logs",
            env={**settings_under_test(work / "ledger.db"), "LOG_LEVEL": "WARNING"},
        ).start()
        try:
            t = time.perf_counter()
            asyncio.run(seed(urls["subscriptions"], args.count))
            print(
                f"seeded {args.count} subscriptions in one account in {time.perf_counter() - t:.1f}s (PostgreSQL)"
            )
            waited, left = asyncio.run(wait_caught_up(stack, bootstrap))
            print(f"consumers caught up after {waited:.1f}s (at first: {left})")
            with client_for(stack, args.via) as client:
                print(f"sequential requests through the {args.via}: {client.base_url}")
                first = timed([], lambda: client.get(f"/v1/subscriptions?{LIST_QUERY}"))
                matching = first.json()["total"]
                pages = max(1, matching // 50)
                list_ms: list[float] = []
                for r in range(args.rounds):
                    offset = (r % pages) * 50
                    timed(
                        list_ms,
                        lambda o=offset: client.get(f"/v1/subscriptions?{LIST_QUERY}&offset={o}"),
                    )
                report(f"filtered list page (50 of {matching} matching, of {args.count})", list_ms)

                plain_ms: list[float] = []
                for r in range(args.rounds):
                    timed(
                        plain_ms,
                        lambda o=(r * 50) % args.count: client.get(
                            f"/v1/subscriptions?limit=50&offset={o}"
                        ),
                    )
                report(f"unfiltered list page (50 of {args.count})", plain_ms)

                ids = [f"sub-bench-{n:06d}" for n in range(1, 2 * 100 * 10, 20)][
                    :100
                ]  # active ones
                toggle_ms: list[float] = []
                changed = 0
                for r in range(max(20, args.rounds // 4)):
                    body = {"subscription_ids": ids, "auto_renew": r % 2 == 1}
                    resp = timed(
                        toggle_ms,
                        lambda b=body: client.post("/v1/subscriptions/auto-renew", json=b),
                    )
                    changed += resp.json()["changed"]
                report(f"bulk auto-renew toggle of 100 ({changed} changes)", toggle_ms)
            print(
                f"peak RSS subscriptions: {peak_rss_mib(stack.processes['subscriptions'].pid):.0f} MiB"
            )
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
