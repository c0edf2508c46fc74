"""Renewal throughput and latency through the whole flow, on PostgreSQL and the real broker.

Every renewal goes renewal-requested → invoice-issued (and its order) → charge →
payment-succeeded → invoice-paid → subscription-renewed across the four service processes
(latency: both timestamps are the producing services' `occurred_at`). Two modes:

- burst (default): `--count` auto-renew subscriptions fall due at once (the gateway moves
  every service's clock one day): renewals/s, and latency that is mostly queueing;
- steady (`--rate N --duration S`): N renewals fall due each second for S seconds (open loop:
  the bench moves the renewal date of the next subscriptions to today every 0.1 s and the
  renewal sweep, run every 0.1 s, requests them): latency without queueing, achieved rate.

Then, in both modes: CPU milliseconds per renewal of each process (services, gateway, broker,
the PostgreSQL backends of the bench's databases) from /proc over the measured window, peak
RSS, and exactly once read from the databases (one invoice, order, charge, successful
provider charge and applied payment per renewal). Exit status 1 on a violation or a renewal
missing.

    make bench                                      # burst of 2,000
    make bench ARGS="--count 500"
    make bench ARGS="--rate 100 --duration 60"      # steady 100 renewals/s for 60 s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import exactly_once, procstat, steady
from bench.caught_up import wait_caught_up
from bench.flow import PREFIX, STAGES, Measured, drain, latency_line, percentile, stage_lines
from bench.procstat import CpuMeter, peak_rss_mib
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
from shared.infra.kafka import TansuBroker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test
from shared.terms import add_months

__all__ = ["card_view", "peak_rss_mib", "percentile", "seed_billing_accounts"]
SUBS_PER_ACCOUNT = 40


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


async def seed(urls: dict[str, str], count: int) -> dict[str, date]:
    """`count` annual auto-renew subscriptions due tomorrow (the burst moves the clock one
    day; the steady mode releases them by moving their renewal date to today). Returns each
    one's renewal date as seeded."""
    clock, today = SystemClock(), SystemClock().today()
    accounts = [f"B{n:09d}" for n in range((count + SUBS_PER_ACCOUNT - 1) // SUBS_PER_ACCOUNT)]
    engines = {s: create_engine(urls[s]) for s in ("subscriptions", "invoicing", "payments")}
    due = today + timedelta(days=1)
    try:
        await seed_billing_accounts(engines, accounts, clock)
        async with SubscriptionsUnitOfWork(
            session_factory(engines["subscriptions"]), clock, "bench", subscriptions_messaging
        ) as uow:
            for n in range(count):
                csn = accounts[n // SUBS_PER_ACCOUNT]
                uow.subscriptions.add(
                    Subscription(
                        id=f"{PREFIX}{n:06d}",
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
                        renewal_date=due,
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
    return {f"{PREFIX}{n:06d}": due for n in range(count)}


async def burst(
    stack: Stack, bootstrap: str, args: argparse.Namespace, pids: dict[str, int]
) -> Measured:
    """Every subscription falls due at once: the gateway moves every service's clock a day."""
    token = issue_token(GatewaySettings(), subject="bench", csn="B000000000",
                        roles=["primary_admin"])  # fmt: skip
    async with CpuMeter(pids, list(stack.database_urls.values())) as meter:
        t0 = time.perf_counter()
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.post(
                f"{stack.url('gateway')}/v1/dev/clock/advance",
                json={"days": 1},
                headers={"Authorization": f"Bearer {token}"},
            )
            resp.raise_for_status()
        deadline = time.monotonic() + args.timeout
        renewed = await drain(bootstrap, "subscription-renewed", args.count, deadline)
        wall = time.perf_counter() - t0
    seen = {
        **{t: await drain(bootstrap, t, args.count, time.monotonic() + 30) for t in STAGES[:-1]},
        "subscription-renewed": renewed,
    }
    return Measured(seen, meter, wall)


def report_burst(measured: Measured, args: argparse.Namespace) -> None:
    seen = measured.seen
    requested, renewed = seen["renewal-requested"], seen["subscription-renewed"]
    latencies = [
        (renewed[k] - requested[k]).total_seconds() * 1000 for k in renewed if k in requested
    ]
    print(f"renewals (burst): {len(renewed)}/{args.count} renewed")
    if renewed and requested:
        span = (max(renewed.values()) - min(requested.values())).total_seconds()
        print(
            f"throughput: {len(renewed) / span:.1f} renewals/s over {span:.2f}s "
            f"(first renewal-requested to last subscription-renewed); wall {measured.wall:.2f}s"
        )
    print(latency_line("latency renewal-requested→subscription-renewed (queueing)", latencies))
    stage_lines(seen)


def process_ids(stack: Stack, broker_pid: int | None) -> dict[str, int]:
    pids = {name: p.pid for name, p in stack.processes.items()}
    if broker_pid is not None:
        pids["broker"] = broker_pid
    return pids


@contextlib.contextmanager
def broker(log_path: Path) -> Iterator[tuple[str, int | None]]:
    """The bench's own Tansu broker and its pid (measured), or KAFKA_BOOTSTRAP_SERVERS."""
    if configured := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield configured, None
        return
    tansu = TansuBroker(log_path=log_path).start()
    try:
        yield tansu.bootstrap_servers, tansu.process.pid if tansu.process else None
    finally:
        tansu.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2000, help="burst: renewals due at once")
    parser.add_argument("--rate", type=float, help="steady mode: renewals falling due per second")
    parser.add_argument("--duration", type=float, default=60, help="steady mode: seconds")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if args.rate is not None:
        if args.rate <= 0 or args.duration <= 0:
            parser.error("--rate and --duration must be positive")
        args.count = max(1, round(args.rate * args.duration))
    return args


# The bench measures the services' own job periods, not the tests' fast ones (the charge
# processor every 0.1 s, mail every 0.2 s, ...): each handled event runs those jobs anyway
# (`Service.periodic(..., on_events=...)`); only the sweeps that start renewals stay fast.
PRODUCTION_PERIODS = {
    "CHARGE_PROCESSOR_SECONDS",
    "MAIL_DELIVERY_SECONDS",
    "MAIL_RETRY_SECONDS",
    "NOTICE_SWEEP_SECONDS",
    "AUTOMATIC_QUOTES_SECONDS",
    "EXPIRY_SWEEP_SECONDS",
    "OUTBOX_POLL_SECONDS",
}


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-renewals-"))
    env = {
        name: value
        for name, value in settings_under_test(work / "ledger.db").items()
        if name not in PRODUCTION_PERIODS
    }
    env["LOG_LEVEL"] = "WARNING"
    if args.rate is not None:  # release → renewal-requested within a tenth of a second
        env["RENEWAL_SWEEP_SECONDS"] = str(steady.TICK)
    with (
        broker(work / "broker.log") as (bootstrap, broker_pid),
        test_databases(list(SERVICE_NAMES), work / "sqlite") as urls,
    ):
        if not all(u.startswith("postgresql") for u in urls.values()):
            raise SystemExit("the bench runs on PostgreSQL; none is reachable")
        stack = Stack(bootstrap, urls, work / "logs", env).start()
        try:
            due = asyncio.run(seed(urls, args.count))
            pids = process_ids(stack, broker_pid)
            waited, first = asyncio.run(wait_caught_up(stack, bootstrap))
            print(f"consumers joined and caught up after {waited:.1f}s (at first: {first})")
            print(f"PostgreSQL, broker {bootstrap}; logs in {work / 'logs'}")
            if args.rate is None:
                measured = asyncio.run(burst(stack, bootstrap, args, pids))
                report_burst(measured, args)
            else:
                measured = asyncio.run(steady.run(stack, bootstrap, args, list(due), pids))
                steady.report(measured, args)
                due = {s: d - timedelta(days=1) for s, d in due.items()}  # released today
            renewed = len(measured.seen["subscription-renewed"])
            peaks = {n: peak_rss_mib(pid) for n, pid in pids.items()}
            procstat.report(measured.meter, renewed, measured.wall, peaks)
            renewed_to = {s: add_months(d, 12) for s, d in due.items()}
            found = asyncio.run(exactly_once.check(urls, work / "ledger.db", PREFIX, renewed_to))
            violations = exactly_once.report(found, args.count)
        finally:
            stack.stop()
    if violations or renewed < args.count:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
