"""OpenTelemetry traces, off by default: one trace from a gateway request through every service
and topic it causes. An outbox would break the chain (the event leaves after the request
ended), so the W3C `traceparent` of the span that wrote an outbox row is kept in the row and
put back as a Kafka header by the relay; the consumer continues it in a `<topic> process` span
per event (a set-based batch handler too: `resumed_each`), whose own outbox rows carry it on.

Configured by the standard variables: `OTEL_TRACES_EXPORTER=otlp` (and
`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, ...) turns it on,
`console` prints spans; `jsonl` (ours, for tests) appends one JSON object a span to
`OTEL_TRACES_FILE` (`{service}` in it becomes the process's service name: one setting for a
whole stack, a file per process). Unset, `none` or `OTEL_SDK_DISABLED=true`: no spans, no cost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ParentBased,
    Sampler,
    _get_from_env_or_default,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger(__name__)
TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("billing-orders.outbox")
_configured: dict[str, bool] = {}
_statements: dict[str, Any] = {}  # the tracer provider of SQL statement spans


def tracing_enabled() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    return exporters not in ("", "none")


def setup_tracing(service: str) -> bool:
    """Install the tracer provider and the exporters OTEL_TRACES_EXPORTER names (once)."""
    if not tracing_enabled():
        return False
    if _configured.get("provider"):
        return True
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource, sampler=_env_sampler())
    statements = TracerProvider(
        resource=resource, sampler=statements_sampler(), shutdown_on_exit=False
    )
    for name in os.environ["OTEL_TRACES_EXPORTER"].lower().split(","):
        name = name.strip()
        exporter: SpanExporter | None = None
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        elif name == "console":
            exporter = ConsoleSpanExporter()
        elif name == "jsonl":
            file = os.environ.get("OTEL_TRACES_FILE") or "var/traces/{service}.jsonl"
            exporter = JsonLinesSpanExporter(Path(file.replace("{service}", service)))
        elif name and name != "none":
            log.warning("OTEL_TRACES_EXPORTER %r is not supported here; ignored", name)
        if exporter is not None:
            processor = BatchSpanProcessor(exporter)  # one queue for both providers' spans
            provider.add_span_processor(processor)
            statements.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    _statements["provider"] = statements
    _configured["provider"] = True
    return True


def _env_sampler() -> Sampler:
    return _get_from_env_or_default()  # OTEL_TRACES_SAMPLER / _ARG, parentbased_always_on


def statements_sampler() -> Sampler:
    """SQL statements are traced only inside a span (a request's, an event's): a statement
    outside any (the relay's and the periodic jobs' polling at rest) starts no trace of its
    own, which would bury the requests and messages in the tracing backend."""
    return ParentBased(root=ALWAYS_OFF)


def instrument_app(app: Any, service: str, engine: Any = None) -> None:
    """FastAPI server spans, httpx client spans (the gateway's calls carry `traceparent`) and
    SQLAlchemy statement spans; nothing when tracing is off."""
    if not setup_tracing(service):
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz,readyz,metrics", exclude_spans=["receive", "send"]
    )
    if not _configured.get("httpx"):
        HTTPXClientInstrumentor().instrument()
        _configured["httpx"] = True
    if engine is not None and not _configured.get("sqlalchemy"):
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        # Its declared range stops below SQLAlchemy 2.1, and it then instruments nothing (with
        # an ERROR line at start); the engine events it uses are unchanged in 2.1 (tested).
        SQLAlchemyInstrumentor().instrument(
            engine=engine.sync_engine,
            tracer_provider=_statements["provider"],
            skip_dep_check=True,
        )
        _configured["sqlalchemy"] = True


def broker_middlewares() -> list[Any]:
    """faststream's telemetry middleware: a consumer span continues the header's trace."""
    if not tracing_enabled():
        return []
    from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

    return [KafkaTelemetryMiddleware()]


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to keep with an outbox row; None without one."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


@contextlib.contextmanager
def resumed(traceparent: str | None, name: str, **attributes: Any) -> Iterator[None]:
    """Work a periodic job does for something a traced message asked for (the charge
    processor sending a charge recorded by an `invoice-issued` consumer): a span in that trace,
    so the provider call and the events the job writes to its outbox stay in it. Tracing off,
    the stored context is still made current, so the outbox rows carry it on. No
    traceparent: nothing."""
    if not traceparent:
        yield
        return
    parent = _PROPAGATOR.extract({TRACEPARENT: traceparent})
    with _tracer.start_as_current_span(
        name, context=parent, kind=trace.SpanKind.INTERNAL, attributes=attributes or None
    ):
        yield


class EventSpan:
    """One event's span in a set-based batch (`resumed_each`)."""

    def __init__(self, span: Any, stored: str | None) -> None:
        self.span = span
        # What the event's effects continue: its span's traceparent (tracing off: the stored
        # one, which the no-op span carries); None when the record came without one.
        carrier: dict[str, str] = {}
        if stored:
            _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        self.traceparent = carrier.get(TRACEPARENT) or stored

    @contextlib.contextmanager
    def current(self) -> Iterator[None]:
        """The event's span is the current one (its log line names its trace)."""
        if self.span is None:
            yield
            return
        with trace.use_span(self.span, end_on_exit=False):
            yield


@contextlib.contextmanager
def resumed_each(
    traceparents: Sequence[str | None], name: str, **attributes: Any
) -> Iterator[list[EventSpan]]:
    """A set-based handler handles a batch's events together, each from a trace of its own:
    one span per event, in its trace, covering the whole batch (`resumed` cannot: only one span
    is current at a time). Without them a consumer of a batch would be missing from the
    traces, its effects hanging under the producer's relay span."""
    events: list[EventSpan] = []
    for stored in traceparents:
        if not stored:
            events.append(EventSpan(None, None))
            continue
        parent = _PROPAGATOR.extract({TRACEPARENT: stored})
        span = _tracer.start_span(
            name, context=parent, kind=trace.SpanKind.INTERNAL, attributes=attributes or None
        )
        events.append(EventSpan(span, stored))
    try:
        yield events
    except BaseException as exc:
        for event in events:
            if event.span is not None:
                event.span.record_exception(exc)
                event.span.set_status(trace.Status(trace.StatusCode.ERROR))
        raise
    finally:
        for event in events:
            if event.span is not None:
                event.span.end()


@contextlib.contextmanager
def relaying(service: str, rows: Sequence[Any]) -> Iterator[list[list[tuple[str, bytes]]]]:
    """Kafka headers for each relayed outbox row: its stored traceparent, or, while tracing is
    on, that of a producer span (child of the stored one) covering the send."""
    spans: list[Any] = []
    headers: list[list[tuple[str, bytes]]] = []
    on = tracing_enabled()
    for row in rows:
        stored = getattr(row, "traceparent", None)
        if not stored:
            headers.append([])
            continue
        if not on:
            headers.append([(TRACEPARENT, stored.encode())])
            continue
        parent = _PROPAGATOR.extract({TRACEPARENT: stored})
        span = _tracer.start_span(
            f"{row.topic} publish",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": row.topic,
                "messaging.operation.type": "publish",
                "service.component": f"{service} outbox relay",
            },
        )
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        headers.append([(TRACEPARENT, carrier[TRACEPARENT].encode())])
        spans.append(span)
    try:
        yield headers
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(trace.Status(trace.StatusCode.ERROR))
        raise
    finally:
        for span in spans:
            span.end()


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span as one JSON line (tests read the file to follow a trace)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        lines = [json.dumps(_span_dict(s), default=str) for s in spans]
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def _span_dict(span: Any) -> dict[str, Any]:
    ctx = span.get_span_context()
    return {
        "name": span.name,
        "service": span.resource.attributes.get("service.name"),
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "kind": span.kind.name,
        # ISO time and milliseconds, not raw nanoseconds: a 19-digit number in a span file
        # would look like a card number to the card-data audit
        "start": datetime.fromtimestamp(span.start_time / 1e9, UTC).isoformat(),
        "duration_ms": round((span.end_time - span.start_time) / 1e6, 3),
        "attributes": dict(span.attributes or {}),
    }
