"""Prometheus metrics of every process, served at `/metrics` (internal network only: no
customer authentication, never routed by the gateway). Names follow Prometheus conventions:
`_total` counters, `_seconds` durations, `billing_` for domain metrics. docs/operations.md
says what each one means and which alert watches it.

Consumed messages are counted by faststream's own middleware (`faststream_*`); the outbox
relay publishes with aiokafka directly, so what leaves a service is
`outbox_published_messages_total`. Gauges that need the database or the Kafka consumers
(outbox backlog and age, consumer lag) are refreshed when `/metrics` is scraped, so a process
at rest does no work for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# --- HTTP ----------------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template and status code",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# --- delivery machinery --------------------------------------------------------------------------
OUTBOX_PUBLISHED = Counter(
    "outbox_published_messages_total",
    "Outbox rows the relay published and the broker confirmed, by topic",
    ["service", "topic"],
)
OUTBOX_DELAY = Histogram(
    "outbox_delivery_delay_seconds",
    "From the commit that wrote an outbox row to the broker's confirmation (wall clock)",
    ["service"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
OUTBOX_BACKLOG = Gauge(
    "outbox_unpublished_rows", "Outbox rows not yet confirmed by the broker", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_unpublished_age_seconds",
    "Age of the oldest unpublished outbox row on the wall clock (0 when none)",
    ["service"],
)
DLQ_PARKED = Counter(
    "dlq_parked_messages_total",
    "Messages parked on <topic>.dlq: unparseable, or their handler kept failing",
    ["service", "topic"],
)
CONSUMER_LAG = Gauge(
    "consumer_lag_messages",
    "Messages of a partition this replica has not fetched yet (high-water mark - position)",
    ["group", "topic", "partition"],
)
# --- domain --------------------------------------------------------------------------------------
CHARGES = Counter(
    "billing_charges_total",
    "Charges settled, by outcome (succeeded, failed) and failure reason",
    ["outcome", "reason"],
)
RENEWALS_REQUESTED = Counter(
    "billing_renewals_requested_total",
    "Renewal requests sent: automatic (renewal-requested, re-requests included) or a cart's order",
    ["kind"],
)
RENEWALS_RENEWED = Counter(
    "billing_renewals_renewed_total", "Subscriptions renewed for one more term (paid)"
)
RENEWALS_FAILED = Counter(
    "billing_renewals_failed_total",
    "Failed charges of a subscription's invoice; final=true when no retry is left",
    ["reason", "final"],
)
SUBSCRIPTIONS_EXPIRED = Counter(
    "billing_subscriptions_expired_total", "Subscriptions expired unrenewed"
)

# Domain counters read off the events a service committed (counted once, when relayed).
_RELAYED: dict[str, Callable[[], None]] = {
    "renewal-requested": RENEWALS_REQUESTED.labels(kind="automatic").inc,
    "renewal-order-placed": RENEWALS_REQUESTED.labels(kind="order").inc,
    "subscription-renewed": RENEWALS_RENEWED.inc,
    "subscription-expired": SUBSCRIPTIONS_EXPIRED.inc,
}


def outbox_published(service: str, rows: Sequence[Any]) -> None:
    """The relay's hook: rows (topic, created_at) the broker confirmed."""
    now = datetime.now(UTC)
    for row in rows:
        OUTBOX_PUBLISHED.labels(service, row.topic).inc()
        created = getattr(row, "created_at", None)
        if created is not None:
            OUTBOX_DELAY.labels(service).observe(max(0.0, (now - created).total_seconds()))
        if (count := _RELAYED.get(row.topic)) is not None:
            count()


def message_parked(service: str, topic: str) -> None:
    DLQ_PARKED.labels(service, topic).inc()


def event_handled(consumer: str, envelope: Any, event: Any) -> None:
    """The consumer's hook, after the handler's transaction committed: a payment failure that
    the subscriptions service recorded against subscriptions is a failed renewal charge."""
    if consumer == "subscriptions" and envelope.type == "payment-failed" and event.subscription_ids:
        RENEWALS_FAILED.labels(event.reason, str(bool(event.final)).lower()).inc()


def charge_settled(outcome: str, reason: str = "") -> None:
    CHARGES.labels(outcome, reason).inc()


# --- gauges refreshed on scrape ------------------------------------------------------------------
async def refresh_outbox(service: str, engine: AsyncEngine, outbox: Table) -> None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(
                    outbox.c.published_at.is_(None)
                )
            )
        ).one()
    backlog, oldest = int(row[0] or 0), row[1]
    OUTBOX_BACKLOG.labels(service).set(backlog)
    age = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:  # SQLite returns what it stored: UTC
            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
    OUTBOX_OLDEST_AGE.labels(service).set(age)


async def refresh_consumer_lag(subscribers: Iterable[Any], group_prefix: str) -> None:
    """Lag of the partitions assigned to this replica's consumers (now: a partition that moved
    to another replica is reported there, not here)."""
    CONSUMER_LAG.clear()

    async def lag_of(consumer: Any, tp: Any) -> None:
        high = consumer.highwater(tp)
        if high is None:  # no fetch answered yet
            return
        try:
            position = await asyncio.wait_for(consumer.position(tp), 0.5)
        except Exception:  # rebalancing, or not fetched yet: next scrape
            return
        group = f"{group_prefix}.{tp.topic}"
        CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(max(0, high - position))

    consumers = [c for s in subscribers if (c := getattr(s, "consumer", None)) is not None]
    await asyncio.gather(*(lag_of(c, tp) for c in consumers for tp in c.assignment()))


async def refresh_service(service: Any) -> None:
    """Everything a service's /metrics reads from its database and consumers."""
    try:
        await asyncio.wait_for(
            refresh_outbox(service.name, service.engine, service.tables.outbox), 2
        )
    except Exception as exc:  # database unreachable: /readyz says so; the last values stay
        log.warning("outbox metrics not refreshed: %r", exc)
    await refresh_consumer_lag(service.broker.subscribers, service.name)


# --- HTTP ----------------------------------------------------------------------------------------
class HttpMetricsMiddleware:
    """Counts and times every request by its route template (`/v1/invoices/{invoice_id}`),
    never by its path, so ids do not make a time series each."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_DURATION.labels(self.service, method, route).observe(time.perf_counter() - started)


def install_metrics(
    app: FastAPI,
    service: str,
    refresh: Callable[[], Awaitable[None]] | None = None,
    registry: CollectorRegistry = REGISTRY,
) -> None:
    """`/metrics` (Prometheus text format) and the HTTP middleware on one app."""
    app.add_middleware(HttpMetricsMiddleware, service=service)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(_: Request) -> Response:
        if refresh is not None:
            await refresh()
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def broker_middlewares(service: str) -> list[Any]:
    """faststream's middlewares: telemetry (when tracing is on) continues the trace of a
    consumed message's `traceparent` header; Prometheus counts and times messages."""
    from faststream.kafka.prometheus import KafkaPrometheusMiddleware

    from shared.observability.tracing import broker_middlewares as telemetry

    return [*telemetry(), KafkaPrometheusMiddleware(registry=REGISTRY, app_name=service)]
