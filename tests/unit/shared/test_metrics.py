"""What an operator scrapes from /metrics (issue 15): Prometheus names, HTTP requests by route
template (never by id), the domain counters of renewals and charges."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from shared.observability import metrics

BILLING = ("billing_charges", "billing_renewals", "billing_subscriptions")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metric_names_follow_prometheus_conventions() -> None:
    ours = [m for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]
    assert len(ours) >= 12
    for m in ours:
        name = m._name + ("_total" if m._type == "counter" else "")
        assert name == name.lower() and " " not in name, name
        assert m._documentation, f"{name} has no help text"
        if m._type == "counter":
            assert name.endswith("_total"), name
        if {"duration", "age", "delay"} & set(name.split("_")):
            assert name.endswith("_seconds"), name
        if name.startswith(BILLING):
            assert name.startswith("billing_")


def test_http_requests_are_counted_by_route_template_and_status() -> None:
    app = FastAPI()
    metrics.install_metrics(app, "unit-http")

    @app.get("/v1/invoices/{invoice_id}")
    async def invoice(invoice_id: str) -> dict[str, str]:
        return {"id": invoice_id}

    client = TestClient(app)
    for n in range(3):
        assert client.get(f"/v1/invoices/INV-{n}").status_code == 200
    assert client.get("/nowhere").status_code == 404
    labels = {"service": "unit-http", "method": "GET"}
    assert (
        value("http_requests_total", **labels, route="/v1/invoices/{invoice_id}", status="200") == 3
    )
    assert value("http_requests_total", **labels, route="<unmatched>", status="404") == 1
    assert (
        value("http_request_duration_seconds_count", **labels, route="/v1/invoices/{invoice_id}")
        == 3
    )
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert 'route="/v1/invoices/{invoice_id}"' in scraped.text
    assert "INV-1" not in scraped.text  # ids never become label values


def test_relayed_renewal_events_count_requested_renewed_and_expired() -> None:
    before = (
        value("billing_renewals_requested_total", kind="automatic"),
        value("billing_renewals_renewed_total"),
        value("billing_subscriptions_expired_total"),
        value("outbox_published_messages_total", service="unit-relay", topic="renewal-requested"),
    )
    now = datetime.now(UTC)
    rows = [
        SimpleNamespace(topic=t, created_at=now - timedelta(seconds=2))
        for t in ("renewal-requested", "renewal-requested", "subscription-renewed", "seats-changed")
    ]
    metrics.outbox_published("unit-relay", rows)
    metrics.outbox_published("unit-relay", [SimpleNamespace(topic="subscription-expired")])
    after = (
        value("billing_renewals_requested_total", kind="automatic"),
        value("billing_renewals_renewed_total"),
        value("billing_subscriptions_expired_total"),
        value("outbox_published_messages_total", service="unit-relay", topic="renewal-requested"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 1, 2]
    assert value("outbox_delivery_delay_seconds_count", service="unit-relay") >= 4
    assert value("outbox_delivery_delay_seconds_sum", service="unit-relay") >= 8


def test_a_renewal_charge_failure_handled_by_subscriptions_counts_a_failed_renewal() -> None:
    labels = {"reason": "card_declined", "final": "false"}
    before = value("billing_renewals_failed_total", **labels)
    failed = SimpleNamespace(reason="card_declined", final=False, subscription_ids=["sub-1"])
    envelope = SimpleNamespace(type="payment-failed", event_id=uuid.uuid4())
    metrics.event_handled("subscriptions", envelope, failed)
    metrics.event_handled("notifications", envelope, failed)  # another consumer: not counted
    no_subscription = SimpleNamespace(reason="card_declined", final=False, subscription_ids=[])
    metrics.event_handled("subscriptions", envelope, no_subscription)
    assert value("billing_renewals_failed_total", **labels) - before == 1


def test_charges_are_counted_by_outcome_and_reason() -> None:
    before = value("billing_charges_total", outcome="failed", reason="expired_card")
    metrics.charge_settled("failed", "expired_card")
    metrics.charge_settled("succeeded")
    assert value("billing_charges_total", outcome="failed", reason="expired_card") - before == 1
    assert value("billing_charges_total", outcome="succeeded", reason="") >= 1
