"""Helpers of the gateway's end-to-end tests: principals with given roles, real ids of an
account's objects for any route of the table, and a second gateway process with other
settings in front of the same services."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from services.gateway.policy import POLICY
from services.gateway.routes import ROUTES, Route
from shared.clock import SystemClock
from shared.demo import demo_accounts
from shared.events.base import MoneyField
from shared.events.subscriptions import RenewalRequested
from shared.infra.kafka import free_port
from shared.infra.stack import SERVICE_NAMES, Stack
from shared.messaging.outbox import build_envelope
from shared.principal import HEADER_INTERNAL_TOKEN, Principal, Role, to_headers
from shared.settings import DEV_INTERNAL_TOKEN
from tests.kafka_tools import eventually, publish_raw

ACME, BLUE_HARBOR = "5100000001", "5100000002"
PARTNER_CSN = "7700000001"
EMPTY_ACCOUNT = "5199999990"  # no data anywhere: what a granted role does there changes nothing
PARAM = re.compile(r"\{(\w+)\}")


def bearer(
    csn: str, roles: list[str] | frozenset[Role], subject: str | None = None
) -> dict[str, str]:
    names = sorted(str(r) for r in roles)
    token = issue_token(
        GatewaySettings(),
        subject=subject or f"{'-'.join(names) or 'nobody'}@{csn}.example",
        csn=csn,
        roles=names,
        partner_csn=PARTNER_CSN if Role.PARTNER in roles else None,
    )
    return {"Authorization": f"Bearer {token}"}


def entitled(csn: str, route: Route) -> dict[str, str]:
    """A principal of `csn` holding every role the route's action allows."""
    return bearer(csn, POLICY[route.action])


def concrete(path: str, ids: list[str]) -> str:
    values = iter(ids)
    return PARAM.sub(lambda _: next(values), path)


def list_route(path: str) -> Route | None:
    return next((r for r in ROUTES if r.method == "GET" and r.path == path), None)


def is_json(resp: httpx.Response) -> bool:
    return "json" in resp.headers.get("content-type", "")


def _demo_ids(csn: str, param: str) -> list[str]:
    """Demo objects of an account by the kind a path parameter names (subscription_id, ...)."""
    account = next(a for a in demo_accounts() if a["csn"] == csn)
    kinds = {"subscription": "subscriptions", "method": "payment_methods", "team": "teams"}
    for word, key in kinds.items():
        if word in param:
            return [item["id"] for item in account.get(key, [])]
    return []


async def ids_of(client: httpx.AsyncClient, csn: str, path: str) -> list[str]:
    """The ids an entitled principal of `csn` sees on a list route (every page up to 1,000)."""
    route = list_route(path)
    if route is None:
        return []
    found: list[str] = []
    for offset in range(0, 1000, 200):
        resp = await client.get(
            path, params={"limit": 200, "offset": offset}, headers=entitled(csn, route)
        )
        if resp.status_code != 200 or not is_json(resp) or not isinstance(resp.json(), dict):
            return found
        items = resp.json().get("items")
        if not isinstance(items, list):
            return found
        found += [str(i["id"]) for i in items if isinstance(i, dict) and "id" in i]
        if len(items) < 200:
            break
    return found


async def real_path(
    client: httpx.AsyncClient,
    csn: str,
    route: Route,
    created: dict[str, list[str]] | None = None,
) -> tuple[str, str] | None:
    """The route's path with ids of `csn`'s objects, and how they were found; None if none is.
    `created`: ids of objects made for the test, by the path they live under."""
    parts = PARAM.split(route.path)  # [prefix, param, middle, param, ..., suffix]
    built, sources = parts[0], []
    for i in range(1, len(parts), 2):
        param, listing = parts[i], built.rstrip("/")
        ids = (created or {}).get(listing, [])
        source = "made for the test"
        if not ids:
            ids, source = await ids_of(client, csn, listing), f"GET {listing}"
        if not ids:
            ids, source = _demo_ids(csn, param), "demo data"
        if not ids:
            return None
        built += ids[0] + parts[i + 1]
        sources.append(source)
    return built, ", ".join(sources)


_DOCUMENT: dict[str, Any] = {}


async def body_of(client: httpx.AsyncClient, route: Route) -> Any:
    """A valid body for the route: its own example, else the one its OpenAPI operation shows."""
    if route.method in ("GET", "DELETE"):
        return None
    if route.request_example is not None:
        return route.request_example
    if not _DOCUMENT:
        _DOCUMENT.update((await client.get("/openapi.json")).json())
    op = _DOCUMENT["paths"].get(route.path, {}).get(route.method.lower(), {})
    for media in op.get("requestBody", {}).get("content", {}).values():
        if "example" in media:
            return media["example"]
    return {}


@contextmanager
def extra_gateway(stack: Stack, log_dir: Path, **env: str) -> Iterator[str]:
    """Another gateway process with extra settings, in front of the stack's services."""
    port = free_port()
    full_env = {
        **os.environ,
        **stack.env,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        **{f"{s.upper()}_URL": stack.url(s) for s in SERVICE_NAMES},
        **env,
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"gateway-{port}.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.gateway"],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # slow machines: a cold Python start
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {proc.returncode}; see {log_dir}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"gateway on {port} not up; see {log_dir}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def ensure_acme_invoice(client: httpx.AsyncClient, bootstrap: str) -> None:
    """Acme has an invoice to probe: if none exists yet, one is asked for the way the
    subscriptions service asks (renewal-requested, manual collection, for a subscription id
    no service knows, so nothing is charged or renewed)."""
    route = list_route("/v1/invoices")
    if route is None or await ids_of(client, ACME, route.path):
        return
    today = date.today()
    event = RenewalRequested(
        renewal_id=uuid.uuid4(),
        subscription_id="sub-acme-isolation-probe",
        csn=ACME,
        team_id="team-acme-eng",
        product_code="PROBE",
        product_name="Isolation probe",
        seats=1,
        term="monthly",
        unit_price=MoneyField(amount=100, currency="EUR"),
        period_start=today + timedelta(days=400),
        period_end=today + timedelta(days=430),
        payment_method_id=None,
        collection="manual",
    )
    envelope = build_envelope(
        event, producer="gateway-tests", clock=SystemClock(), correlation_id=None, causation_id=None
    )
    await publish_raw(
        bootstrap, event.topic, envelope.model_dump_json().encode(), key=envelope.key.encode()
    )

    async def issued() -> list[str]:
        return await ids_of(client, ACME, route.path)

    await eventually(issued, timeout=30)


async def make_acme_objects(client: httpx.AsyncClient) -> dict[str, list[str]]:
    """Objects Acme's demo data does not have, made through the public API the way its users
    would: a self-service quote, a partner quote, a renewal cart and a credit note. Returns
    their ids by the path they live under (for `real_path`)."""
    made: dict[str, list[str]] = {}

    async def create(path: str, body: dict[str, Any], roles: list[Role]) -> None:
        resp = await client.post(path, json=body, headers=bearer(ACME, frozenset(roles)))
        assert resp.status_code == 201, f"POST {path}: {resp.text}"
        made[path] = [resp.json()["id"]]

    renewal = {"subscription_ids": ["sub-acme-pdm"]}  # manual, renews in 45 days (demo data)

    async def quotes_know_it() -> bool:  # quotes learn subscriptions from their snapshots
        resp = await client.post(
            "/v1/quotes/renewal-groups", json=renewal, headers=bearer(ACME, [Role.BUYER])
        )
        unknown = [i for i in resp.json().get("ineligible", []) if "not_found" in i["code"]]
        return resp.status_code == 200 and not unknown

    await eventually(quotes_know_it, timeout=30)
    await create("/v1/quotes", {**renewal, "recipients": ["bea@acme.example"]}, [Role.BUYER])
    new_seats = {
        "lines": [{"kind": "new", "product_code": "CAD-PRO", "seats": 2, "term": "annual"}],
        "currency": "EUR",
    }
    await create("/v1/partner/quotes", new_seats, [Role.PARTNER])  # not its sale to renew
    await create("/v1/renewal-carts", renewal, [Role.CONTRACT_MANAGER])
    await create(
        "/v1/credit-notes",
        {"reason": "Isolation probe", "amount": 100, "currency": "EUR"},
        [Role.BILLING_AGENT],
    )
    return made


@asynccontextmanager
async def hanging_server() -> AsyncIterator[str]:
    """A service that accepts connections and never answers (a stuck process)."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.read()  # until the caller gives up
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def dead_url() -> str:
    """Where nothing listens (a service that is down)."""
    return f"http://127.0.0.1:{free_port()}"


def service_headers(principal: Principal) -> dict[str, str]:
    """What the gateway sends a service: to ask a service directly in a test."""
    return {**to_headers(principal), HEADER_INTERNAL_TOKEN: DEV_INTERNAL_TOKEN}


@asynccontextmanager
async def degraded_gateway(stack: Stack, log_dir: Path, **env: str) -> AsyncIterator[str]:
    """A gateway in front of the stack where payments is down and quotes never answers."""
    async with hanging_server() as stuck:
        with extra_gateway(
            stack,
            log_dir,
            PAYMENTS_URL=dead_url(),
            QUOTES_URL=stuck,
            SERVICE_TIMEOUT_SECONDS="1",
            DASHBOARD_TIMEOUT_SECONDS="0.5",
            **env,
        ) as url:
            yield url
