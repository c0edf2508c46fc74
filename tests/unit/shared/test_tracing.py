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


def test_a_sql_statement_outside_any_span_starts_no_trace_but_one_inside_a_request_does(
    tmp_path: Path,
) -> None:
    """At rest the relay and the periodic jobs poll the database: no trace per poll."""
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON

    from shared.observability.tracing import NoOrphanStatements

    provider = TracerProvider(sampler=NoOrphanStatements(ALWAYS_ON))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(tmp_path / "t.jsonl")))
    tracer = provider.get_tracer("test")
    sql = {"db.system": "postgresql", "db.statement": "SELECT 1"}
    with tracer.start_as_current_span("poll", attributes=sql):
        pass
    with tracer.start_as_current_span("GET /v1/invoices"):
        with tracer.start_as_current_span("SELECT", attributes=sql):
            pass
    names = [json.loads(line)["name"] for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert names == ["SELECT", "GET /v1/invoices"]


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
