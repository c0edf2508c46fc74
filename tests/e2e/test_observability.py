"""What an operator sees of the running stack (issue 15): every process answers /metrics in the
Prometheus format, logs JSON lines carrying the request's correlation id into the consumers of
the events it caused, and, with tracing on, a gateway request's trace id travels through the
outbox into the Kafka headers of the events it caused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from shared.infra.stack import SERVICE_NAMES, Stack
from tests.e2e.gateway_tools import bearer, extra_gateway
from tests.e2e.observability_support import (
    json_lines,
    sample,
    scrape,
    spans,
    written_since_start,
)
from tests.kafka_tools import eventually, read_topic

PROBE_ACCOUNT, PROBE_SUBSCRIPTION = "5100000009", "sub-gwp-probe"
GINA = bearer(PROBE_ACCOUNT, ["primary_admin"], subject="gina@gwprobe.example")
CONSUMERS_OF_SUBSCRIPTION_CHANGED = ("payments", "quotes", "notifications")


async def toggle_auto_renew(gateway: httpx.AsyncClient, headers: dict[str, str]) -> None:
    path = f"/v1/subscriptions/{PROBE_SUBSCRIPTION}"
    current = (await gateway.get(path, headers=GINA)).json()["auto_renew"]
    resp = await gateway.put(
        f"{path}/auto-renew", json={"auto_renew": not current}, headers={**GINA, **headers}
    )
    assert resp.status_code == 200, resp.text


async def test_every_process_serves_metrics_and_the_gateway_does_not_forward_them(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    await toggle_auto_renew(gateway, {})
    for name in SERVICE_NAMES:
        text = scrape(stack.url(name))
        assert sample(text, "outbox_unpublished_rows", service=name) is not None, name
        assert sample(text, "outbox_oldest_unpublished_age_seconds", service=name) is not None
        assert "faststream_received_messages_total" in text, name
        assert "# TYPE billing_charges_total counter" in text
        assert "process_resident_memory_bytes" in text
    subscriptions = scrape(stack.url("subscriptions"))
    assert "billing_renewals_renewed_total" in subscriptions

    async def relayed() -> bool:
        published = sample(
            scrape(stack.url("subscriptions")),
            "outbox_published_messages_total",
            service="subscriptions",
            topic="auto-renew-changed",
        )
        return bool(published)

    await eventually(relayed, timeout=30)

    own = scrape(stack.url("gateway"))
    route = "/v1/subscriptions/{subscription_id}/auto-renew"
    assert sample(own, "http_requests_total", route=route, status="200", method="PUT")
    assert "outbox_unpublished_rows{" not in own  # the gateway has no outbox
    for path in ("/v1/metrics", "/v1/subscriptions/metrics", "/internal/metrics"):
        resp = await gateway.get(path, headers=GINA)
        assert "outbox_unpublished_rows" not in resp.text, path


async def test_consumers_log_json_lines_with_the_requests_correlation_id_and_the_record(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    rid = f"obs-{uuid.uuid4()}"
    await toggle_auto_renew(gateway, {"X-Request-Id": rid})

    async def logged() -> dict[str, dict[str, Any]]:
        found = {}
        for name in CONSUMERS_OF_SUBSCRIPTION_CHANGED:
            for line in json_lines(stack, name):
                if line.get("correlation_id") == rid and line.get("topic"):
                    found[name] = line
        return found if len(found) == len(CONSUMERS_OF_SUBSCRIPTION_CHANGED) else {}

    lines = await eventually(logged, timeout=30)
    for name, line in lines.items():
        assert line["service"] == name
        assert line["topic"] in ("subscription-changed", "auto-renew-changed")
        assert isinstance(line["partition"], int) and isinstance(line["offset"], int)
        assert uuid.UUID(line["event_id"])
        assert line["consumer_group"] == name
        assert "trace_id" in line and line["level"] == "info"
    # Every process writes JSON lines only (ENVIRONMENT=test): nothing else to parse.
    for name in (*SERVICE_NAMES, "gateway"):
        for raw in written_since_start(stack, name):
            if raw.strip():
                json.loads(raw)


@contextmanager
def traced_replica(stack: Stack, name: str, env: dict[str, str]) -> Iterator[str]:
    """One more replica of a service, with extra settings (tracing on); its URL."""
    replica = stack.start_replica(name, index=9, env=env)
    try:
        stack.wait_ready((replica,), timeout=120)
        yield stack.url(replica)
    finally:
        stack.stop_replica(replica)


async def test_a_gateway_requests_trace_reaches_the_kafka_headers_of_the_events_it_caused(
    stack: Stack, kafka_bootstrap: str, artifacts: Path
) -> None:
    traces = artifacts / "traces"
    tracing = {"OTEL_TRACES_EXPORTER": "jsonl", "OTEL_BSP_SCHEDULE_DELAY": "200"}
    sub_spans, gw_spans = traces / "subscriptions-traced.jsonl", traces / "gateway-traced.jsonl"
    with (
        traced_replica(
            stack, "subscriptions", {**tracing, "OTEL_TRACES_FILE": str(sub_spans)}
        ) as replica,
        extra_gateway(
            stack,
            stack.log_dir,
            **tracing,
            OTEL_TRACES_FILE=str(gw_spans),
            SUBSCRIPTIONS_URL=replica,
        ) as url,
    ):
        trace_id = uuid.uuid4().hex
        rid = f"trace-{uuid.uuid4()}"
        caller = {"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01", "X-Request-Id": rid}
        async with httpx.AsyncClient(base_url=url, timeout=15) as client:
            await toggle_auto_renew(client, caller)

        async def headers_of_caused_event() -> dict[str, str]:
            records = await read_topic(kafka_bootstrap, "auto-renew-changed", timeout=5)
            for record in records:
                if json.loads(record.value)["correlation_id"] == rid:
                    return {k: v.decode() for k, v in record.headers or ()}
            return {}

        headers = await eventually(headers_of_caused_event, timeout=30)
        assert headers["traceparent"].split("-")[1] == trace_id

        async def both_processes_exported() -> bool:
            services = {
                s["service"]
                for s in spans(gw_spans) + spans(sub_spans)
                if s["trace_id"] == trace_id
            }
            return services >= {"gateway", "subscriptions"}

        await eventually(both_processes_exported, timeout=30)
