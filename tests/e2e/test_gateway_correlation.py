"""The request id a caller sends comes back on the response and becomes the correlation id
of the events the request causes (ARCHITECTURE: envelope correlation_id). Uses the demo
account kept for the gateway's tests (Gateway Probe AG), so no other test's data moves."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.gateway_tools import bearer
from tests.kafka_tools import envelopes, eventually, read_topic

PROBE_ACCOUNT, PROBE_SUBSCRIPTION = "5100000009", "sub-gwp-probe"
GINA = bearer(PROBE_ACCOUNT, ["primary_admin"], subject="gina@gwprobe.example")


async def test_the_request_id_is_the_correlation_id_of_the_events_it_causes(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    path = f"/v1/subscriptions/{PROBE_SUBSCRIPTION}"
    current = (await gateway.get(path, headers=GINA)).json()["auto_renew"]
    rid = f"corr-{uuid.uuid4()}"
    resp = await gateway.put(
        f"{path}/auto-renew",
        json={"auto_renew": not current},
        headers={**GINA, "X-Request-Id": rid},
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-request-id"] == rid

    async def caused() -> list[dict[str, Any]]:
        found = []
        for topic in ("auto-renew-changed", "subscription-changed"):
            records = await read_topic(kafka_bootstrap, topic, timeout=5)
            found += [e for e in envelopes(records) if e["correlation_id"] == rid]
        return found if any(e["type"] == "auto-renew-changed" for e in found) else []

    events = await eventually(caused, timeout=30)
    assert {e["type"] for e in events} >= {"auto-renew-changed"}
    assert all(e["key"] == PROBE_SUBSCRIPTION for e in events)
