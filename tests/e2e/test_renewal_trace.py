"""One trace and one correlation id from a click to the renewal (issue 15): a manual renewal
paid by card, checked out through the gateway, is one trace through the gateway,
subscriptions, invoicing, payments and their outbox relays (renewal-order-placed →
invoice-issued → the charge processor → payment-succeeded → invoice-paid →
subscription-renewed), every hop between processes a parent → child link; and the request's
id is the correlation id of the JSON log lines of each service that handled an event of it,
lines that name the same trace.

Every process of the stack traces, so the stack is one of its own (broker, databases): replicas
with tracing on beside the shared stack's would share its consumer groups, and an event taken
by an untraced replica would leave a hole in the trace."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.infra.stack import SERVICE_NAMES, Stack, isolated_stack, settings_under_test
from tests.e2e.conftest import token_for
from tests.e2e.observability_support import json_lines, spans

pytestmark = pytest.mark.slow

# Northwind's demo data: sub-nw-cad renews in 40 days, manually, and pays by a valid card.
FRANK = {
    "Authorization": f"Bearer {token_for('frank@northwind.example', '5100000004', ['primary_admin'])}"
}
SUBSCRIPTION, CARD = "sub-nw-cad", "pm-nw-visa"
# (topic, the service whose outbox relay publishes it, the service that consumes it next)
HOPS = (
    ("renewal-order-placed", "subscriptions", "invoicing"),
    ("invoice-issued", "invoicing", "payments"),
    ("payment-succeeded", "payments", "invoicing"),
    ("invoice-paid", "invoicing", "subscriptions"),
)
RELAYED = (*((topic, relay) for topic, relay, _ in HOPS), ("subscription-renewed", "subscriptions"))
LOGGED = ("subscriptions", "invoicing", "payments")  # each handles an event of the renewal

Span = dict[str, Any]


@pytest.fixture(scope="module")
def traced(artifacts: Path) -> Iterator[tuple[Stack, Path]]:
    """A stack with demo data whose every process writes its spans to `<traces>/<name>.jsonl`."""
    root = artifacts / "renewal-trace"
    traces = root / "traces"
    shutil.rmtree(traces, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("sandbox-psp-ledger*"):  # a fresh provider: invoice ids start again
        old.unlink()
    env = {
        **settings_under_test(root / "sandbox-psp-ledger.db"),
        "LOAD_DEMO_DATA": "true",
        "OTEL_TRACES_EXPORTER": "jsonl",
        "OTEL_TRACES_FILE": str(traces / "{service}.jsonl"),
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    with isolated_stack(root, env) as stack:
        yield stack, traces


async def renewal_date(gw: httpx.AsyncClient) -> str:
    resp = await gw.get(f"/v1/subscriptions/{SUBSCRIPTION}", headers=FRANK)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["renewal_date"])


async def renew_by_card(gw: httpx.AsyncClient, caller: dict[str, str]) -> None:
    """Cart, then checkout with the caller's headers; returns once the date has moved."""
    before = await renewal_date(gw)
    resp = await gw.post(
        "/v1/renewal-carts", json={"subscription_ids": [SUBSCRIPTION]}, headers=FRANK
    )
    assert resp.status_code == 201, resp.text
    done = await gw.post(
        f"/v1/renewal-carts/{resp.json()['id']}/checkout",
        json={"payment_method_id": CARD},
        headers={**FRANK, **caller},
    )
    assert done.status_code == 202, done.text
    assert done.json()["collection"] == "automatic"  # charged by the processor, not by hand
    deadline = time.monotonic() + 60
    while await renewal_date(gw) == before:
        assert time.monotonic() < deadline, "the renewal never completed"
        await asyncio.sleep(0.3)


def of_trace(traces: Path, trace_id: str) -> list[Span]:
    return [
        s for f in sorted(traces.glob("*.jsonl")) for s in spans(f) if s["trace_id"] == trace_id
    ]


def relay_span(found: list[Span], topic: str, service: str) -> Span | None:
    return next(
        (
            s
            for s in found
            if s["name"] == f"{topic} publish"
            and s["kind"] == "PRODUCER"
            and s["service"] == service
            and s["attributes"].get("service.component") == f"{service} outbox relay"
        ),
        None,
    )


def ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while (parent := by_id.get(span["parent_id"] or "")) is not None:
        chain.append(parent)
        span = parent
    return chain


def what_is_missing(found: list[Span], caller_span: str) -> list[str]:
    """What the trace lacks to be one tree through every hop; empty when nothing."""
    by_id = {s["span_id"]: s for s in found}
    missing = [
        f"'{topic} publish' of the {relay} relay"
        for topic, relay in RELAYED
        if relay_span(found, topic, relay) is None
    ]
    for topic, relay, consumer in HOPS:
        sent = relay_span(found, topic, relay)
        if sent and not any(
            s["service"] == consumer and s["name"] == f"{topic} process"
            for s in found
            if s["parent_id"] == sent["span_id"]
        ):
            missing.append(f"'{topic} process' of {consumer} under the {relay} relay's span")
    if not any(
        s["service"] == "payments"
        and any(a["name"] == "invoice-issued process" for a in ancestors(s, by_id))
        for s in found
        if s["name"] == "payments charge"
    ):
        missing.append("payments charge under payments' 'invoice-issued process'")
    roots = [s for s in found if s["parent_id"] not in by_id]
    if [(r["service"], r["kind"], r["parent_id"]) for r in roots] != [
        ("gateway", "SERVER", caller_span)
    ]:
        missing.append(f"one root, the gateway's request span; roots: {roots}")
    return missing


async def test_a_renewal_checked_out_at_the_gateway_is_one_trace_and_one_correlation_id(
    traced: tuple[Stack, Path],
) -> None:
    stack, traces = traced
    trace_id, caller_span = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    rid = f"renew-trace-{uuid.uuid4()}"
    caller = {"traceparent": f"00-{trace_id}-{caller_span}-01", "X-Request-Id": rid}
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=15) as gw:
        await renew_by_card(gw, caller)

    deadline = time.monotonic() + 30  # spans are exported in batches, a relay runs after commit
    while missing := what_is_missing(found := of_trace(traces, trace_id), caller_span):
        if time.monotonic() > deadline:
            names = sorted(
                {(s["service"], s["name"]) for s in found if "db.system" not in s["attributes"]}
            )
            pytest.fail(f"the trace lacks {missing}\nits spans: {names}")
        await asyncio.sleep(0.3)

    assert {"gateway", "subscriptions", "invoicing", "payments"} <= {s["service"] for s in found}
    by_id = {s["span_id"]: s for s in found}
    for span in found:
        parent = by_id.get(span["parent_id"] or "")
        if parent is None or parent["service"] == span["service"]:
            continue
        # Processes meet only by an HTTP call or by an event that a relay published.
        if parent["kind"] == "CLIENT":
            assert span["kind"] == "SERVER", (parent, span)
        else:
            assert parent["kind"] == "PRODUCER", (parent, span)
            topic = parent["attributes"]["messaging.destination.name"]
            assert span["name"] == f"{topic} process", (parent, span)
    for topic, relay in RELAYED:  # an event leaves in the trace of what its service did
        sent = relay_span(found, topic, relay)
        assert sent is not None and by_id[sent["parent_id"]]["service"] == relay, sent

    logged: dict[str, list[dict[str, Any]]] = {}
    deadline = time.monotonic() + 15
    while not all(logged.get(name) for name in LOGGED) and time.monotonic() < deadline:
        for name in SERVICE_NAMES:
            logged[name] = [
                line for line in json_lines(stack, name) if line.get("correlation_id") == rid
            ]
        await asyncio.sleep(0.3)
    for name in LOGGED:
        assert any(line.get("topic") for line in logged[name]), f"{name} logged no event of {rid}"
    for name, lines in logged.items():  # a line of the request's events is in its trace
        assert all(line.get("trace_id") == trace_id for line in lines), (name, lines)
