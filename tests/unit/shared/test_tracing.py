"""Traces through the outbox (issue 15): the traceparent of the span that wrote an outbox row
is kept with it, and the relay sends it on as a Kafka header; tracing is off by default."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from shared.observability.tracing import (
    JsonLinesSpanExporter,
    current_traceparent,
    relaying,
    resumed_each,
    tracing_enabled,
)

STORED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_tracing_is_off_unless_an_otel_exporter_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert not tracing_enabled()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert not tracing_enabled()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    assert tracing_enabled()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing_enabled()


def test_an_outbox_row_written_inside_a_span_keeps_its_traceparent() -> None:
    assert current_traceparent() is None  # no span: nothing to keep
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("PUT /subscriptions/{id}/auto-renew") as span:
        kept = current_traceparent()
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert kept is not None and kept.split("-")[1] == trace_id


def test_the_relay_sends_the_stored_traceparent_as_a_header_with_tracing_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    rows = [
        SimpleNamespace(topic="invoice-issued", traceparent=STORED),
        SimpleNamespace(topic="invoice-issued", traceparent=None),
    ]
    with relaying("invoicing", rows) as headers:
        pass
    assert headers == [[("traceparent", STORED.encode())], []]


def test_with_tracing_on_the_relay_header_continues_the_stored_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "jsonl")
    with relaying("invoicing", [SimpleNamespace(topic="invoice-issued", traceparent=STORED)]) as h:
        pass
    sent = h[0][0][1].decode()
    assert sent.split("-")[1] == STORED.split("-")[1]  # same trace


def test_the_jsonl_exporter_writes_one_line_per_span_with_its_trace(tmp_path: Path) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(tmp_path / "t.jsonl")))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("parent"), tracer.start_as_current_span("child"):
        pass
    spans = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    child, parent = spans
    assert child["trace_id"] == parent["trace_id"]
    assert child["parent_id"] == parent["span_id"]


def test_each_event_of_a_set_based_batch_is_handled_in_its_own_trace() -> None:
    """One span per event, in the trace its record carried: what the handler publishes for an
    event continues it, and its log line is in it; a record without a traceparent gets none."""
    other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with resumed_each([STORED, None, other], "invoice-paid process") as events:
        kept = [e.traceparent for e in events]
        for event, stored in ((events[0], STORED), (events[2], other)):
            with event.current():
                current = trace.get_current_span().get_span_context()
            assert format(current.trace_id, "032x") == stored.split("-")[1]
    assert [t.split("-")[1] if t else None for t in kept] == [
        STORED.split("-")[1],
        None,
        other.split("-")[1],
    ]


def test_sql_statements_are_traced_inside_a_span_and_start_no_trace_outside() -> None:
    """At rest the relay and the periodic jobs poll the database: no trace per poll. And the
    instrumentor, whose declared range stops below SQLAlchemy 2.1, really traces this one."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from sqlalchemy import create_engine, text

    from shared.observability.tracing import statements_sampler

    exported = InMemorySpanExporter()
    requests, statements = TracerProvider(), TracerProvider(sampler=statements_sampler())
    for provider in (requests, statements):
        provider.add_span_processor(SimpleSpanProcessor(exported))
    engine = create_engine("sqlite://")
    SQLAlchemyInstrumentor().instrument(  # as instrument_app does
        engine=engine, tracer_provider=statements, skip_dep_check=True
    )
    try:
        with engine.connect() as conn:  # a poll at rest, outside any span
            conn.execute(text("SELECT 2"))
        with requests.get_tracer("t").start_as_current_span("GET /v1/invoices") as request:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
    finally:
        SQLAlchemyInstrumentor().uninstrument()

    spans = exported.get_finished_spans()
    assert sorted(s.name for s in spans) == ["GET /v1/invoices", "SELECT", "connect"]
    trace_id = request.get_span_context().trace_id
    assert all(s.context.trace_id == trace_id for s in spans)
