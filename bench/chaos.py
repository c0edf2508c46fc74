"""Faults while renewals fall due (issue 16): auto-renew subscriptions due in daily waves on
PostgreSQL and the embedded broker, while processes are killed (SIGKILL, then started again),
the broker is restarted (memory storage: it forgets every topic, offset and group; the services
create their topics again) and PostgreSQL is restarted (`pg_ctlcluster`: run as root, and only
where no one else's tests use that PostgreSQL at the time). Then the invariants, read from the
databases and the provider's ledger:

- every subscription renewed exactly once, by exactly one term;
- one invoice and one order per renewal, paid;
- one successful provider charge per invoice (never two);
- every outbox row published; nothing parked on a dead-letter topic;
- no charge still `processing` 10 s after PostgreSQL came back.

    make chaos                                  # 300 renewals, 5 waves, 20 faults
    make chaos ARGS="--count 60 --waves 2 --faults 6"

Prints the invariants and, per kind of fault, how long until the stack answered again and
until every consumer group of the affected services was fetching again.
Exit status 1 when an invariant does not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.renewals import card_view, seed_billing_accounts
from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from services.subscriptions.adapters.orm import messaging as subscriptions_messaging
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import PaymentMethodKind as SubPaymentKind
from services.subscriptions.domain.values import PurchaseMethod, Status, Term
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from shared.db import create_engine, session_factory
from shared.infra.kafka import TansuBroker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test
from shared.terms import add_months

PER_ACCOUNT = 30
SUBSCRIPTIONS = "SELECT id, renewal_date FROM subscriptions WHERE id LIKE 'sub-chaos-%'"
FAULTS = (
    "kill subscriptions",
    "kill invoicing",
    "restart broker",
    "kill payments",
    "kill quotes",
    "restart postgres",
    "kill notifications",
)
PG_CTL = ["pg_ctlcluster", "15", "main"]
PROCESSING = "SELECT id FROM charges WHERE status = 'processing'"


async def seed(urls: dict[str, str], count: int, waves: int) -> dict[str, Any]:
    """`count` annual auto-renew subscriptions, due on days 1..waves; their renewal dates."""
    clock, today = SystemClock(), SystemClock().today()
    accounts = [f"C{n:09d}" for n in range((count + PER_ACCOUNT - 1) // PER_ACCOUNT)]
    engines = {s: create_engine(urls[s]) for s in ("subscriptions", "invoicing", "payments")}
    due: dict[str, Any] = {}
    try:
        await seed_billing_accounts(engines, accounts, clock)
        async with SubscriptionsUnitOfWork(
            session_factory(engines["subscriptions"]), clock, "chaos", subscriptions_messaging
        ) as uow:
            for n in range(count):
                csn, sub_id = accounts[n // PER_ACCOUNT], f"sub-chaos-{n:05d}"
                due[sub_id] = today + timedelta(days=1 + n % waves)
                uow.subscriptions.add(
                    Subscription(
                        id=sub_id,
                        csn=csn,
                        team_id="team-chaos",
                        product_code="CAD",
                        product_name="CAD Pro",
                        seats=1 + n % 5,
                        term=Term.ANNUAL,
                        unit_price_amount=189_000,
                        currency="EUR",
                        auto_renew=True,
                        start_date=due[sub_id] - timedelta(days=365),
                        renewal_date=due[sub_id],
                        status=Status.ACTIVE,
                        purchase_method=PurchaseMethod.ONLINE_DIRECT,
                        payment_method_id=f"pm-{csn}",
                    )
                )
            for csn in accounts:
                uow.subscriptions.add(card_view(csn, SubPaymentKind.CARD))
            await uow.commit()
    finally:
        for engine in engines.values():
            await engine.dispose()
    return due


class Chaos:
    def __init__(
        self, stack: Stack, broker: TansuBroker, payments_url: str, pg_down: float
    ) -> None:
        self.stack, self.broker, self.payments_url = stack, broker, payments_url
        self.pg_down = pg_down
        self.answering: dict[str, list[float]] = defaultdict(list)
        self.consuming: dict[str, list[float]] = defaultdict(list)
        self.stuck_charges: set[str] = set()
        self.checks: list[asyncio.Task[None]] = []

    async def inject(self, fault: str) -> None:
        started = time.monotonic()
        names: tuple[str, ...] = SERVICE_NAMES
        if fault == "restart broker":
            self.broker.stop()
            await asyncio.sleep(1)
            self.broker.start()
            await self._until(started + 10, names, lambda r: r["groups_joined"] < r["groups"])
        elif fault == "restart postgres":
            await self._restart_postgres()
            processing = {r[0] for r in await scalar_rows(self.payments_url, PROCESSING)}
            self.checks.append(asyncio.create_task(self._still_processing(processing)))
        else:
            names = (fault.split()[-1],)
            self.stack.kill(names[0], signal.SIGKILL)
            self.stack.start_process(names[0])
        await self._until(started + 180, names, lambda r: True)
        self.answering[fault].append(time.monotonic() - started)
        await self._until(started + 180, names, lambda r: r["groups_joined"] == r["groups"])
        self.consuming[fault].append(time.monotonic() - started)

    async def _restart_postgres(self) -> None:
        if not self.pg_down:
            await asyncio.to_thread(subprocess.run, [*PG_CTL, "restart"], check=True)
            return
        await asyncio.to_thread(subprocess.run, [*PG_CTL, "stop"], check=True)
        await asyncio.sleep(self.pg_down)  # an outage that long, as a failover might take
        await asyncio.to_thread(subprocess.run, [*PG_CTL, "start"], check=True)

    async def _until(self, deadline: float, names: tuple[str, ...], check: Any) -> None:
        """Until every one of `names` answers its readiness check with a body that passes."""
        async with httpx.AsyncClient(timeout=1) as client:
            while time.monotonic() < deadline:
                bodies = []
                for name in names:
                    with contextlib.suppress(httpx.HTTPError):
                        resp = await client.get(f"{self.stack.url(name)}/readyz")
                        if resp.status_code == 200:
                            bodies.append(resp.json())
                if len(bodies) == len(names) and all(check(b) for b in bodies):
                    return
                await asyncio.sleep(0.1)

    async def _still_processing(self, when_back: set[str]) -> None:
        """Charges `processing` when PostgreSQL came back and still so 10 s later."""
        await asyncio.sleep(10)
        now = {r[0] for r in await scalar_rows(self.payments_url, PROCESSING)}
        self.stuck_charges |= when_back & now
        print(
            f"PostgreSQL back 10 s: {len(when_back)} charges processing then, still: {len(when_back & now)}"
        )


async def advance_one_day(gateway: str) -> None:
    token = issue_token(GatewaySettings(), subject="chaos", csn="C000000000", roles=["buyer"])
    async with httpx.AsyncClient(timeout=30) as client:
        for attempt in range(30):  # a service may be restarting right now
            with contextlib.suppress(httpx.HTTPError):
                resp = await client.post(
                    f"{gateway}/v1/dev/clock/advance",
                    json={"days": 1},
                    headers={"Authorization": f"Bearer {token}"},
                )
                if resp.status_code == 200:
                    return
            await asyncio.sleep(1 + attempt % 3)
    raise RuntimeError("the dev clock could not be moved")


async def renewed_count(url: str, due: dict[str, Any]) -> int:
    rows = await scalar_rows(url, SUBSCRIPTIONS)
    return sum(1 for sub_id, date_ in rows if date_ == add_months(due[sub_id], 12))


async def scalar_rows(url: str, sql: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()


async def invariants(
    urls: dict[str, str], ledger: Path, due: dict[str, Any], stuck: set[str]
) -> dict[str, int]:
    subs = await scalar_rows(
        urls["subscriptions"],
        "SELECT id, renewal_date FROM subscriptions WHERE id LIKE 'sub-chaos-%'",
    )
    per_renewal = await scalar_rows(
        urls["invoicing"],
        "SELECT l.subscription_id, count(DISTINCT i.id), count(DISTINCT o.id),"
        " sum(CASE WHEN i.status = 'paid' THEN 1 ELSE 0 END)"
        " FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id"
        " LEFT JOIN orders o ON o.invoice_id = i.id"
        " WHERE l.subscription_id LIKE 'sub-chaos-%' AND i.status <> 'cancelled'"
        " GROUP BY l.subscription_id",
    )
    with sqlite3.connect(ledger) as conn:
        charges = conn.execute(
            "SELECT idempotency_key, status FROM charges WHERE status = 'succeeded'"
        ).fetchall()
    succeeded: dict[str, int] = defaultdict(int)
    for key, _ in charges:
        succeeded[key.split(":")[1]] += 1
    unpublished = parked = 0
    for service in SERVICE_NAMES:
        [(waiting, dlq)] = await scalar_rows(
            urls[service],
            "SELECT sum(CASE WHEN published_at IS NULL THEN 1 ELSE 0 END),"
            " sum(CASE WHEN topic LIKE '%.dlq' THEN 1 ELSE 0 END) FROM outbox",
        )
        unpublished, parked = unpublished + (waiting or 0), parked + (dlq or 0)
    invoices = {row[0]: row for row in per_renewal}
    return {
        "subscriptions due": len(due),
        "renewed exactly one term": sum(
            1 for sub_id, d in subs if d == add_months(due[sub_id], 12)
        ),
        "renewals with no invoice": len(due) - len(invoices),
        "renewals with more than one invoice": sum(1 for r in per_renewal if r[1] > 1),
        "renewals with more than one order": sum(1 for r in per_renewal if r[2] > 1),
        "renewal invoices not paid": sum(1 for r in per_renewal if (r[3] or 0) < 1),
        "invoices charged successfully more than once": sum(1 for n in succeeded.values() if n > 1),
        "outbox rows never published": unpublished,
        "messages parked (dead-letter)": parked,
        "charges processing 10 s after PostgreSQL came back": len(stuck),
    }


def healthy(found: dict[str, int]) -> bool:
    return found["renewed exactly one term"] == found["subscriptions due"] and not any(
        v for k, v in found.items() if k not in ("subscriptions due", "renewed exactly one term")
    )


async def run(args: argparse.Namespace, stack: Stack, chaos: Chaos, urls: dict[str, str]) -> Any:
    due = await seed(urls, args.count, args.waves)
    faults = itertools.cycle(FAULTS)
    per_wave = -(-args.faults // args.waves)
    injected = 0
    for _ in range(args.waves):
        await advance_one_day(stack.url("gateway"))
        for _ in range(per_wave):
            if injected < args.faults:
                await asyncio.sleep(args.fault_every)
                await chaos.inject(next(faults))
                injected += 1
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if await renewed_count(urls["subscriptions"], due) == len(due):
            break
        await asyncio.sleep(2)
    await asyncio.sleep(5)  # the last events settle
    await asyncio.gather(*chaos.checks)
    return due, injected


def seconds(times: list[float]) -> str:
    return ", ".join(f"{t:.1f}" for t in times) + " s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--waves", type=int, default=5)
    parser.add_argument("--faults", type=int, default=20)
    parser.add_argument("--fault-every", type=float, default=3.0, help="seconds between faults")
    parser.add_argument("--timeout", type=float, default=300, help="for healing, after faults")
    parser.add_argument(
        "--unanswered", type=float, default=20, help="RENEWAL_UNANSWERED_SECONDS for this run"
    )
    parser.add_argument(
        "--session-ms", type=int, help="CONSUMER_SESSION_TIMEOUT_MS (default: the broker's)"
    )
    parser.add_argument(
        "--heartbeat-ms", type=int, help="CONSUMER_HEARTBEAT_INTERVAL_MS (default: the broker's)"
    )
    parser.add_argument(
        "--pg-down",
        type=float,
        default=0,
        help="seconds PostgreSQL stays stopped (0: pg_ctlcluster restart); it is shared: "
        "only where no one else's tests use it",
    )
    parser.add_argument(
        "--durable",
        metavar="URL",
        help="the broker's storage engine instead of memory://, e.g. s3://tansu/ with AWS_ENDPOINT "
        "etc. set for an S3-compatible store (docs/operations.md, Broker storage)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
    broker = TansuBroker(log_path=work / "broker.log")
    if args.durable:
        broker.storage_engine = args.durable
    broker.start()
    partitions = 6
    try:
        with test_databases(list(SERVICE_NAMES), work / "sqlite") as urls:
            if not all(u.startswith("postgresql") for u in urls.values()):
                raise SystemExit("the chaos run needs PostgreSQL; none is reachable")
            ledger = work / "ledger.db"
            stack = Stack(
                bootstrap_servers=broker.bootstrap_servers,
                database_urls=urls,
                log_dir=work / "logs",
                env={
                    **settings_under_test(ledger),
                    "LOG_LEVEL": "WARNING",
                    "RENEWAL_RECONCILE_SECONDS": "2",
                    "RENEWAL_UNANSWERED_SECONDS": str(args.unanswered),
                    "KAFKA_TOPIC_PARTITIONS": str(partitions),
                    **(
                        {"CONSUMER_SESSION_TIMEOUT_MS": str(args.session_ms)}
                        if args.session_ms
                        else {}
                    ),
                    **(
                        {"CONSUMER_HEARTBEAT_INTERVAL_MS": str(args.heartbeat_ms)}
                        if args.heartbeat_ms
                        else {}
                    ),
                    # Bytecode compiled once and kept, as in the image (UV_COMPILE_BYTECODE):
                    # a restart that compiles every module again takes ~5 s more CPU.
                    "PYTHONDONTWRITEBYTECODE": "",
                    "PYTHONPYCACHEPREFIX": str(work / "pycache"),
                },
            ).start()
            chaos = Chaos(stack, broker, urls["payments"], args.pg_down)
            try:
                t0 = time.monotonic()
                due, injected = asyncio.run(run(args, stack, chaos, urls))
                found = asyncio.run(invariants(urls, ledger, due, chaos.stuck_charges))
                took = time.monotonic() - t0
            finally:
                stack.stop()
    finally:
        broker.stop()
    print(f"{args.count} renewals in {args.waves} waves, {injected} faults, {took:.0f} s")
    for fault, times in sorted(chaos.answering.items()):
        print(f"  {fault:<20} x{len(times)}: answering again after {seconds(times)}")
        print(f"  {'':<20}     consuming again after {seconds(chaos.consuming[fault])}")
    kills = [t for fault, ts in chaos.consuming.items() if fault.startswith("kill") for t in ts]
    if kills:
        print(
            f"  SIGKILL -> consuming again: p50 {statistics.median(kills):.1f} s,"
            f" max {max(kills):.1f} s (n={len(kills)})"
        )
    for name, value in found.items():
        print(f"  {name:<46} {value}")
    print(f"logs: {work / 'logs'}")
    if not healthy(found):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
