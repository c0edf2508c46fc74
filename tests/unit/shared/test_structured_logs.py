"""What an operator reads in a process's log (issue 15): one JSON object a line with the
service, the correlation id and the trace id; a consumed record's topic, partition, offset and
event id; library loggers (uvicorn, aiokafka) formatted the same way; nothing card-like or secret."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import structlog

from shared.observability.logging import (
    bind_event,
    configure_logging,
    consuming,
    correlated,
    log_format,
)
from tests.audit.scan import card_data_in_text

VISA = "4242424242424242"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging("invoicing", environment="test", fmt="json", stream=out)
    try:
        yield out
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_a_stdlib_log_line_is_json_with_service_correlation_and_trace_ids(
    json_log: io.StringIO,
) -> None:
    with correlated("req-123"):
        logging.getLogger("services.invoicing.handlers").warning("invoice %s issued", "INV-1")
    (line,) = lines(json_log)
    assert line["event"] == "invoice INV-1 issued"
    assert line["service"] == "invoicing"
    assert line["correlation_id"] == "req-123"
    assert "trace_id" in line  # null while tracing is off
    assert line["level"] == "warning"
    assert line["logger"] == "services.invoicing.handlers"
    assert line["timestamp"].endswith("Z")


def test_library_loggers_uvicorn_and_aiokafka_write_the_same_json(json_log: io.StringIO) -> None:
    logging.getLogger("uvicorn.error").error("Application startup failed")
    logging.getLogger("aiokafka.consumer").warning("Heartbeat failed for group")
    found = lines(json_log)
    assert [(line["logger"], line["service"]) for line in found] == [
        ("uvicorn.error", "invoicing"),
        ("aiokafka.consumer", "invoicing"),
    ]


def test_a_consumed_record_logs_its_topic_partition_offset_and_event_id(
    json_log: io.StringIO,
) -> None:
    record = SimpleNamespace(topic="invoice-paid", partition=3, offset=41)
    envelope = SimpleNamespace(event_id=uuid.uuid4(), type="invoice-paid", correlation_id="c-9")
    with consuming("subscriptions", record):
        bind_event(envelope)
        logging.getLogger("services.subscriptions").info("renewing")
    logging.getLogger("services.subscriptions").info("after the record")
    renewing, processed, after = lines(json_log)
    for line in (renewing, processed):
        assert line["topic"] == "invoice-paid"
        assert line["partition"] == 3
        assert line["offset"] == 41
        assert line["event_id"] == str(envelope.event_id)
        assert line["correlation_id"] == "c-9"
        assert line["consumer_group"] == "subscriptions"
    assert processed["event"].startswith("message processed in")
    assert "topic" not in after and after["correlation_id"] is None


def test_a_traceback_stays_greppable_inside_the_json_line(json_log: io.StringIO) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("shared.messaging.consumer").warning(
            "invoice-paid handler failed (attempt 1/3)", exc_info=True
        )
    (line,) = lines(json_log)
    assert "Traceback (most recent call last)" in line["exception"]
    assert "handler failed" in json_log.getvalue()


def test_card_numbers_security_codes_and_tokens_never_reach_the_log(
    json_log: io.StringIO,
) -> None:
    logger = logging.getLogger("services.payments")
    logger.warning("refused body %s", json.dumps({"number": VISA, "cvc": "123"}))
    logger.warning("card 4242 4242 4242 4242 cvv2: 1234")
    logger.warning("caller sent Authorization: Bearer abc.def.ghi")
    logger.warning("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl")
    structlog.get_logger("services.payments").warning(
        "method saved", provider_token="tok_visa", internal_token="s3cret", invoice="INV-7"
    )
    text = json_log.getvalue()
    assert card_data_in_text(text, "log") == []
    for secret in ("abc.def.ghi", "tok_visa", "s3cret", "eyJzdWIiOiJhbGljZSJ9"):
        assert secret not in text
    assert lines(json_log)[-1]["invoice"] == "INV-7"  # ordinary fields are kept


def test_ids_and_amounts_that_are_not_card_numbers_are_kept(json_log: io.StringIO) -> None:
    logging.getLogger("x").info("invoice 2026-000123 of 1234567890123 minor units, order 42")
    assert lines(json_log)[0]["event"] == (
        "invoice 2026-000123 of 1234567890123 minor units, order 42"
    )


def test_console_under_make_run_and_json_everywhere_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format("dev") == "console"
    assert log_format("test") == "json"
    assert log_format("prod") == "json"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert log_format("dev") == "json"
