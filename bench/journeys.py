"""`make run` tried as a newcomer would, for minutes on end: the README's journeys through the
gateway, as every demo user, with the clock moving a day each round, on the embedded default
(SQLite files and the Tansu broker, `make run`'s own settings). Then counts what nobody should
see: answers 5xx, records on any `*.dlq` topic, tracebacks in the service logs.

    uv run python -m bench.journeys                 # 10 minutes
    uv run python -m bench.journeys --minutes 2

Exit status 1 when any of the three is not zero.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.demo import demo_users
from shared.events import TOPICS, dead_letter_topic
from shared.infra.kafka import kafka_broker
from shared.infra.stack import SERVICE_NAMES, Stack

MAKE_RUN_ENV = {
    "ENVIRONMENT": "dev",
    "LOAD_DEMO_DATA": "true",
    "DEV_CLOCK_ENABLED": "true",
    "RENEWAL_SWEEP_SECONDS": "2",
}
READS = [
    "/v1/dashboard",
    "/v1/subscriptions?limit=50",
    "/v1/subscriptions/summary",
    "/v1/subscriptions/export.csv",
    "/v1/quotes",
    "/v1/invoices",
    "/v1/invoices?status=overdue",
    "/v1/credit-notes",
    "/v1/orders",
    "/v1/customer",
    "/v1/spending-summary",
    "/v1/payment-methods",
    "/v1/upcoming-payments?days=90",
    "/v1/upcoming-payments/chart?days=30",
    "/v1/charges",
]


class Journeys:
    def __init__(self, gateway: httpx.AsyncClient) -> None:
        self.gw = gateway
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        users = demo_users()
        self.who = {
            s.split("@")[0]: {"Authorization": f"Bearer {self._token(s, u)}"}
            for s, u in users.items()
        }

    @staticmethod
    def _token(subject: str, user: dict[str, Any]) -> str:
        return issue_token(
            GatewaySettings(),
            subject=subject,
            csn=user["csn"],
            roles=user["roles"],
            partner_csn=user.get("partner_csn"),
        )

    async def call(self, who: str, method: str, path: str, body: Any = None) -> Any:
        resp = await self.gw.request(method, path, json=body, headers=self.who[who])
        self.statuses[resp.status_code] += 1
        if resp.status_code >= 500:
            self.server_errors.append(f"{who} {method} {path} -> {resp.status_code}")
        if "json" in resp.headers.get("content-type", "") and resp.status_code < 300:
            return resp.json()
        return None

    async def first_round(self) -> None:
        """The journeys that change things once: README sections in order."""
        await self.call(
            "nora",
            "POST",
            "/v1/payment-methods/pm-bh-amex/subscriptions",
            {"subscription_ids": ["sub-bh-cad"]},
        )  # fix the declined card
        await self.call(
            "carl", "POST", "/v1/subscriptions/sub-acme-render/seats/preview", {"seats": 4}
        )
        await self.call("carl", "POST", "/v1/subscriptions/sub-acme-render/seats", {"seats": 4})
        await self.call("carl", "POST", "/v1/subscriptions/sub-acme-render/seats", {"seats": 3})
        await self.call("alice", "PUT", "/v1/subscriptions/sub-acme-pdm/term", {"term": "annual"})
        groups = await self.call(
            "bea",
            "POST",
            "/v1/renewals/groups",
            {"subscription_ids": ["sub-acme-pdm", "sub-acme-cad"]},
        )
        cart = await self.call(
            "bea", "POST", "/v1/renewal-carts", {"subscription_ids": ["sub-acme-pdm"]}
        )
        if groups and cart:
            await self.call("bea", "POST", f"/v1/renewal-carts/{cart['id']}/checkout", {})
        quote = await self.call(
            "alice",
            "POST",
            "/v1/quotes",
            {"subscription_ids": ["sub-acme-render"], "recipients": ["alice@acme.example"]},
        )
        if quote:
            await self.call("alice", "POST", f"/v1/quotes/{quote['id']}/send")
            await self.call(
                "alice",
                "POST",
                f"/v1/quotes/{quote['id']}/accept",
                {"payment_method_id": "pm-acme-visa"},
            )
        partner = await self.call(
            "pablo",
            "POST",
            "/v1/partner/quotes",
            {"subscription_ids": ["sub-bh-cad-partner"], "recipients": ["nora@blueharbor.example"]},
        )
        if partner:
            await self.call("pablo", "POST", f"/v1/partner/quotes/{partner['id']}/send")

    async def every_round(self, round_no: int) -> None:
        ids = ["sub-acme-render", "sub-acme-cad"]
        for on in (False, True):
            await self.call(
                "alice",
                "POST",
                "/v1/subscriptions/auto-renew",
                {"subscription_ids": ids, "auto_renew": on},
            )
        method = await self.call(
            "alice",
            "POST",
            "/v1/payment-methods",
            {
                "kind": "card",
                "provider_token": "tok_mastercard",
                "holder_name": f"Round {round_no}",
            },
        )
        if method:
            await self.call("alice", "DELETE", f"/v1/payment-methods/{method['id']}")
        customer = await self.call("alice", "GET", "/v1/customer")
        if customer:
            await self.call(
                "alice",
                "PUT",
                "/v1/customer",
                {
                    "company_name": customer["company_name"],
                    "billing_address": customer["billing_address"],
                },
            )
        paid = await self.call("alice", "GET", "/v1/invoices?status=paid")
        for invoice in (paid or {}).get("items", [])[:1]:
            await self.call("alice", "GET", f"/v1/invoices/{invoice['id']}/pdf")
            await self.call(
                "agnes",
                "POST",
                "/v1/credit-notes",
                {
                    "reason": f"Goodwill, round {round_no}",
                    "invoice_id": invoice["id"],
                    "amount": 100,
                },
            )
        for who in ("alice", "carl", "bea", "uma", "nora", "ben", "haru", "agnes", "pablo"):
            for path in READS:
                await self.call(who, "GET", path)
        await self.call("alice", "POST", "/v1/dev/clock/advance", {"days": 1})


async def parked_records(bootstrap: str) -> dict[str, int]:
    consumer = AIOKafkaConsumer(
        *[dead_letter_topic(t) for t in TOPICS],
        bootstrap_servers=bootstrap,
        group_id=f"journeys-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    counts: Counter[str] = Counter()
    try:
        idle = 0
        while idle < 5:
            batch = await consumer.getmany(timeout_ms=500)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                counts[tp.topic] += len(records)
    finally:
        await consumer.stop()
    return dict(counts)


def tracebacks(log_dir: Path) -> dict[str, int]:
    return {
        p.name: n
        for p in sorted(log_dir.glob("*.log"))
        if (n := p.read_text(errors="replace").count("Traceback"))
    }


async def drive(stack: Stack, minutes: float) -> Journeys:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as gateway:
        journeys = Journeys(gateway)
        await asyncio.sleep(5)  # demo snapshots reach the projections
        await journeys.first_round()
        deadline, round_no = time.monotonic() + minutes * 60, 0
        while time.monotonic() < deadline:
            round_no += 1
            await journeys.every_round(round_no)
        print(f"{round_no} rounds, {sum(journeys.statuses.values())} requests")
        await asyncio.sleep(10)  # let the last events settle
        return journeys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeys-") as tmp:
        var = Path(tmp)
        with kafka_broker(log_path=var / "broker.log") as bootstrap:
            stack = Stack(
                bootstrap_servers=bootstrap,
                database_urls={s: f"sqlite+aiosqlite:///{var}/{s}.db" for s in SERVICE_NAMES},
                log_dir=var / "logs",
                env={**MAKE_RUN_ENV, "SANDBOX_LEDGER_PATH": str(var / "ledger.db")},
            ).start()
            try:
                journeys = asyncio.run(drive(stack, args.minutes))
                parked = asyncio.run(parked_records(bootstrap))
            finally:
                stack.stop()
            traced = tracebacks(var / "logs")
    print("answers by status:", json.dumps(dict(sorted(journeys.statuses.items()))))
    print("5xx answers:", len(journeys.server_errors), *journeys.server_errors[:10], sep="\n  ")
    print("records on *.dlq topics:", json.dumps(parked) if parked else 0)
    print("tracebacks in logs:", json.dumps(traced) if traced else 0)
    if journeys.server_errors or parked or traced:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
