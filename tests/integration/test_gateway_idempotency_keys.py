"""Idempotency-Key through the gateway against a real service runtime (ARCHITECTURE:
idempotent commands): real HTTP servers, PostgreSQL and the broker. The service is the
subscriptions service's runtime and tables with one probe command that creates a team and
publishes an event, so that the mechanism is proven before any public POST route exists; the
end-to-end tests repeat these checks on every idempotent route of the table."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from services.gateway.app import create_app
from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from services.gateway.policy import Action
from services.gateway.routes import Route
from services.subscriptions.adapters.orm import messaging, metadata, teams
from services.subscriptions.config import Settings
from services.subscriptions.domain.views import Team
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import AdjustableClock
from shared.events.subscriptions import AutoRenewChanged
from shared.http import CurrentPrincipal
from shared.infra.kafka import free_port
from shared.runtime import Service, uow_for_request
from tests.kafka_tools import envelopes, read_topic

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "subscriptions" / "migrations"
UowDep = Annotated[SubscriptionsUnitOfWork, Depends(uow_for_request)]
GATES: dict[str, asyncio.Event] = {}  # a probe named here waits until its gate opens


class NewTeam(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class TeamOut(BaseModel):
    id: str
    name: str
    csn: str


def probe_router() -> APIRouter:
    router = APIRouter(prefix="/v1/probe")

    async def create(body: NewTeam, principal: CurrentPrincipal, uow: UowDep) -> TeamOut:
        if gate := GATES.get(body.name):
            await gate.wait()
        team = Team(id=f"team-{uuid.uuid4().hex[:12]}", csn=principal.csn, name=body.name)
        uow.subscriptions.add_team(team)
        uow.publish(
            AutoRenewChanged(
                subscription_id=team.id, csn=team.csn, auto_renew=True, changed_by=principal.subject
            )
        )
        await uow.commit()
        return TeamOut(id=team.id, name=team.name, csn=team.csn)

    router.add_api_route("/teams", create, methods=["POST"], status_code=201)
    router.add_api_route("/teams-plain", create, methods=["POST"], status_code=201)
    return router


PROBE_ROUTES = [
    Route("POST", "/v1/probe/teams", "subscriptions", Action.AUTO_RENEW_CHANGE, "probe", True),
    Route("POST", "/v1/probe/teams-plain", "subscriptions", Action.AUTO_RENEW_CHANGE, "probe"),
]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def probe_stack(
    database_url: str, bootstrap: str, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Service[SubscriptionsUnitOfWork]]]:
    """A probe service and a gateway in front of it, both on real sockets."""
    service: Service[SubscriptionsUnitOfWork] = Service(
        Settings(
            database_url=database_url,
            kafka_bootstrap_servers=bootstrap,
            environment="test",
            **settings,
        ),
        metadata=metadata,
        tables=messaging,
        migrations=MIGRATIONS,
        uow_class=SubscriptionsUnitOfWork,
        clock=AdjustableClock(),
    )
    service.routers.append(probe_router())
    async with serving(service.create_app()) as service_url:
        gateway = create_app(
            GatewaySettings(environment="test", subscriptions_url=service_url), PROBE_ROUTES
        )
        async with (
            serving(gateway) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=30) as client,
        ):
            yield client, service


@pytest.fixture(scope="module")
async def probe(
    database_urls: dict[str, str], kafka_bootstrap: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Service[SubscriptionsUnitOfWork]]]:
    async with probe_stack(database_urls["integration"], kafka_bootstrap) as running:
        yield running


@pytest.fixture
def client(probe: tuple[httpx.AsyncClient, Service[Any]]) -> httpx.AsyncClient:
    return probe[0]


def caller(csn: str | None = None) -> dict[str, str]:
    token = issue_token(
        GatewaySettings(environment="test"),
        subject="carl@probe.example",
        csn=csn or f"P{uuid.uuid4().int % 10**9:09d}",
        roles=["contract_manager"],
    )
    return {"Authorization": f"Bearer {token}"}


async def teams_named(service: Service[Any], name: str) -> int:
    async with service.engine.connect() as conn:
        return int(
            await conn.scalar(select(func.count()).select_from(teams).where(teams.c.name == name))
            or 0
        )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_a_repeat_returns_the_first_response_and_creates_nothing_more(
    probe: tuple[httpx.AsyncClient, Service[Any]],
) -> None:
    client, service = probe
    name, headers = unique("replay"), {**caller(), "Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/v1/probe/teams", json={"name": name}, headers=headers)
    again = await client.post("/v1/probe/teams", json={"name": name}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (
        again.headers["idempotent-replayed"] == "true"
        and "idempotent-replayed" not in first.headers
    )
    assert await teams_named(service, name) == 1


async def test_the_same_body_in_another_key_order_is_the_same_request(
    client: httpx.AsyncClient,
) -> None:
    headers = {**caller(), "Idempotency-Key": str(uuid.uuid4()), "content-type": "application/json"}
    name = unique("order")
    first = await client.post(
        "/v1/probe/teams", content=json.dumps({"name": name}), headers=headers
    )
    again = await client.post(
        "/v1/probe/teams", content=f'{{ "name" :  "{name}" }}', headers=headers
    )
    assert again.json() == first.json()


async def test_the_same_key_with_another_body_is_refused(client: httpx.AsyncClient) -> None:
    headers = {**caller(), "Idempotency-Key": str(uuid.uuid4())}
    assert (
        await client.post("/v1/probe/teams", json={"name": unique("a")}, headers=headers)
    ).is_success
    resp = await client.post("/v1/probe/teams", json={"name": unique("b")}, headers=headers)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "idempotency_key_reused"
    assert resp.headers["x-request-id"] == resp.json()["request_id"]


async def test_keys_belong_to_one_account(probe: tuple[httpx.AsyncClient, Service[Any]]) -> None:
    """Another account's request with the same key is its own request, not a replay."""
    client, service = probe
    key, name = str(uuid.uuid4()), unique("tenant")
    one = await client.post(
        "/v1/probe/teams", json={"name": name}, headers={**caller(), "Idempotency-Key": key}
    )
    two = await client.post(
        "/v1/probe/teams", json={"name": name}, headers={**caller(), "Idempotency-Key": key}
    )
    assert one.status_code == two.status_code == 201 and one.json()["id"] != two.json()["id"]
    assert "idempotent-replayed" not in two.headers
    assert await teams_named(service, name) == 2


async def test_concurrent_duplicates_execute_once_and_get_the_same_answer(
    probe: tuple[httpx.AsyncClient, Service[Any]],
) -> None:
    """The duplicate arrives while the first is still running: it waits for the first's answer."""
    client, service = probe
    name, headers = unique("concurrent"), {**caller(), "Idempotency-Key": str(uuid.uuid4())}
    GATES[name] = asyncio.Event()
    first = asyncio.create_task(
        client.post("/v1/probe/teams", json={"name": name}, headers=headers)
    )
    await _until(lambda: _key_held(service, headers["Idempotency-Key"]))
    duplicates = [
        asyncio.create_task(client.post("/v1/probe/teams", json={"name": name}, headers=headers))
        for _ in range(3)
    ]
    await asyncio.sleep(0.3)  # let the duplicates reach the service and start waiting
    assert not first.done() and not any(d.done() for d in duplicates)
    GATES.pop(name).set()
    answers = [await first, *[await d for d in duplicates]]
    assert {a.status_code for a in answers} == {201}
    assert all(a.json() == answers[0].json() for a in answers)
    assert all(d.headers.get("idempotent-replayed") == "true" for d in answers[1:])
    assert await teams_named(service, name) == 1


async def test_a_duplicate_that_cannot_wait_gets_409_in_progress(
    database_urls: dict[str, str], kafka_bootstrap: str
) -> None:
    async with probe_stack(
        database_urls["integration"], kafka_bootstrap, idempotency_wait_seconds=0
    ) as (client, service):
        name, headers = unique("impatient"), {**caller(), "Idempotency-Key": str(uuid.uuid4())}
        GATES[name] = asyncio.Event()
        first = asyncio.create_task(
            client.post("/v1/probe/teams", json={"name": name}, headers=headers)
        )
        await _until(lambda: _key_held(service, headers["Idempotency-Key"]))
        duplicate = await client.post("/v1/probe/teams", json={"name": name}, headers=headers)
        GATES.pop(name).set()
        assert (await first).status_code == 201
        assert duplicate.status_code == 409
        assert duplicate.json()["code"] == "idempotency_in_progress"
        assert duplicate.headers["retry-after"] == "1"


async def test_keys_are_kept_24_hours_then_purged(
    probe: tuple[httpx.AsyncClient, Service[Any]],
) -> None:
    client, service = probe
    headers = {**caller(), "Idempotency-Key": str(uuid.uuid4())}
    await client.post("/v1/probe/teams", json={"name": unique("kept")}, headers=headers)
    service.clock.advance(timedelta(hours=23, minutes=59))
    await service.idempotency.purge_expired()
    other = await client.post("/v1/probe/teams", json={"name": unique("x")}, headers=headers)
    assert other.json()["code"] == "idempotency_key_reused"  # still kept after 23:59
    service.clock.advance(timedelta(minutes=2))
    assert await service.idempotency.purge_expired() >= 1
    fresh = await client.post("/v1/probe/teams", json={"name": unique("y")}, headers=headers)
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers


def test_keys_cannot_be_configured_to_last_less_than_24_hours() -> None:
    with pytest.raises(ValueError, match="idempotency_ttl_hours"):
        Settings(idempotency_ttl_hours=12)


async def test_a_refused_request_leaves_no_trace_and_the_key_can_be_reused(
    client: httpx.AsyncClient,
) -> None:
    """Validation refused it before it ran (422 invalid_request): nothing to replay."""
    headers = {**caller(), "Idempotency-Key": str(uuid.uuid4())}
    bad = await client.post("/v1/probe/teams", json={"name": ""}, headers=headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    good = await client.post("/v1/probe/teams", json={"name": unique("fixed")}, headers=headers)
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "non-ascii-é"])
async def test_a_malformed_key_is_refused(client: httpx.AsyncClient, key: str) -> None:
    resp = await client.post(
        "/v1/probe/teams",
        json={"name": "k"},
        headers=[*caller().items(), ("Idempotency-Key", key.encode())],
    )
    assert resp.status_code == 422 and resp.json()["code"] == "idempotency_key_invalid"


async def test_the_gateway_passes_the_key_on_idempotent_routes_only(
    probe: tuple[httpx.AsyncClient, Service[Any]],
) -> None:
    """Other POSTs ignore the header (documented): each call runs."""
    client, service = probe
    name, headers = unique("plain"), {**caller(), "Idempotency-Key": str(uuid.uuid4())}
    for _ in range(2):
        resp = await client.post("/v1/probe/teams-plain", json={"name": name}, headers=headers)
        assert resp.status_code == 201
    assert await teams_named(service, name) == 2


async def test_the_request_id_is_the_events_correlation_id(
    client: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    rid = f"corr-{uuid.uuid4()}"
    resp = await client.post(
        "/v1/probe/teams", json={"name": unique("corr")}, headers={**caller(), "X-Request-Id": rid}
    )
    assert resp.status_code == 201 and resp.headers["x-request-id"] == rid
    team_id = resp.json()["id"]

    async def published() -> list[dict[str, Any]]:
        records = await read_topic(kafka_bootstrap, AutoRenewChanged.topic, timeout=5)
        return [e for e in envelopes(records) if e["key"] == team_id]

    events = await _until(published)
    assert events[0]["correlation_id"] == rid


async def _key_held(service: Service[Any], key: str) -> bool:
    table = service.tables.idempotency_keys
    async with service.engine.connect() as conn:
        status = await conn.scalar(select(table.c.status).where(table.c.idempotency_key == key))
    return status == "in_progress"


async def _until(check: Callable[[], Awaitable[Any]], timeout: float = 20) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")
