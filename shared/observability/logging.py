"""Structured logs: every process writes one JSON object a line (or readable console lines
under `make run`), through structlog's stdlib integration, so that uvicorn, aiokafka,
SQLAlchemy and faststream log the same way as our own code.

Each line has `timestamp`, `level`, `logger`, `event` (the message), `service`,
`correlation_id` (the request id that became the events' correlation id) and `trace_id`
(OpenTelemetry; null while tracing is off); inside a consumer also `consumer_group`, `topic`,
`partition`, `offset`, `event_id` and `event_type`. Secrets and card data are masked
(redaction.py). LOG_FORMAT=json|console chooses; the default is console in `dev` only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator, MutableMapping
from typing import IO, Any

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

from shared.observability.redaction import redact_secrets

LOG_FORMATS = ("json", "console")
# Loggers that say too much at INFO: SQL with its parameters, every fetch, every forwarded URL
# (query strings included: a Luhn-valid `offset` would then sit in the log, tests/audit).
QUIET_LOGGERS = ("aiokafka", "sqlalchemy", "httpx", "httpcore", "faststream")

log = logging.getLogger(__name__)
consumer_log = logging.getLogger("shared.messaging.consumer")


def log_format(environment: str = "dev", explicit: str | None = None) -> str:
    chosen = (explicit or os.environ.get("LOG_FORMAT") or "").strip().lower()
    if chosen in LOG_FORMATS:
        return chosen
    return "console" if environment == "dev" else "json"


def _add_service(service: str) -> structlog.types.Processor:
    def add(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service)
        event_dict.setdefault("correlation_id", None)
        return event_dict

    return add


def add_trace_context(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The current OpenTelemetry span's ids; null when there is none (tracing off)."""
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict["trace_id"] = format(ctx.trace_id, "032x")
        event_dict["span_id"] = format(ctx.span_id, "016x")
    else:
        event_dict.setdefault("trace_id", None)
    return event_dict


def configure_logging(
    service: str,
    *,
    level: str | int = "INFO",
    environment: str = "dev",
    fmt: str | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Route every logger of the process through one structlog formatter on stderr."""
    chosen = log_format(environment, fmt)
    stream = stream or sys.stderr
    common: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_service(service),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_context,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if chosen == "json"
        else structlog.dev.ConsoleRenderer(colors=stream.isatty(), sort_keys=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # What faststream passes as `extra` (topic, group id, message id) becomes fields.
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *common],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks as text inside the line: `grep Traceback` still finds them.
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in (*QUIET_LOGGERS, f"{service}.kafka"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # uvicorn configures nothing (log_config=None): its loggers propagate to ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*common, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


@contextlib.contextmanager
def consuming(consumer_group: str, record: Any, *, in_batch: int = 0) -> Iterator[None]:
    """Log fields of one consumed Kafka record for everything logged while it is handled;
    one line when it is done. `in_batch`: handled with the others of a batch of that size by a
    set-based handler (the line then says so instead of a time of its own)."""
    saved = get_contextvars()
    bind_contextvars(
        consumer_group=consumer_group,
        topic=getattr(record, "topic", None),
        partition=getattr(record, "partition", None),
        offset=getattr(record, "offset", None),
    )
    started = time.perf_counter()
    try:
        yield
        if in_batch:
            consumer_log.info("message processed in a batch of %d", in_batch)
        else:
            consumer_log.info(
                "message processed in %.1f ms", (time.perf_counter() - started) * 1000
            )
    finally:
        clear_contextvars()
        bind_contextvars(**saved)


def bind_event(envelope: Any) -> None:
    """Inside `consuming`: the envelope's ids, once it was parsed."""
    bind_contextvars(
        event_id=str(envelope.event_id),
        event_type=envelope.type,
        correlation_id=envelope.correlation_id,
    )


@contextlib.contextmanager
def correlated(correlation_id: str) -> Iterator[None]:
    """Log lines of one HTTP request carry its request id (the events' correlation id)."""
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
        yield


@contextlib.contextmanager
def consuming_batch(consumer_group: str, topic: str, count: int) -> Iterator[None]:
    """Log fields of one polled batch of a topic; one line when it is done (each record's
    own fields are bound while its handler runs, by `consuming`)."""
    saved = get_contextvars()
    bind_contextvars(consumer_group=consumer_group, topic=topic, batch_size=count)
    started = time.perf_counter()
    try:
        yield
        consumer_log.info(
            "batch of %d processed in %.1f ms", count, (time.perf_counter() - started) * 1000
        )
    finally:
        clear_contextvars()
        bind_contextvars(**saved)
