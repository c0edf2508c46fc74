"""A broker restart reads as the expected, recovered event it is; real failures keep their
level and traceback (issue 16)."""

from __future__ import annotations

import logging

import pytest
from aiokafka.errors import CommitFailedError, KafkaConnectionError
from sqlalchemy.exc import OperationalError

from shared.messaging.broker_logs import (
    MISSING_TOPIC,
    MissingTopicFilter,
    RecoveredBrokerEventFilter,
)


def logged(level: int, exc: BaseException) -> logging.LogRecord:
    return logging.LogRecord(
        "invoicing.kafka", level, __file__, 1, repr(exc), (), (type(exc), exc, None)
    )


def failed_commit(exc: BaseException) -> logging.LogRecord:
    """What faststream's acknowledgement middleware logs when a commit raises."""
    return logged(logging.CRITICAL, exc)


@pytest.mark.parametrize(
    "exc", [CommitFailedError("group rebalanced"), KafkaConnectionError("broker gone")]
)
def test_a_commit_refused_by_a_restarted_broker_is_one_warning_line(exc: Exception) -> None:
    record = failed_commit(exc)
    assert RecoveredBrokerEventFilter().filter(record)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "deduplicated" in record.getMessage()


def test_a_commit_failing_for_another_reason_stays_critical_with_its_traceback() -> None:
    record = failed_commit(RuntimeError("bug in the ack path"))
    assert RecoveredBrokerEventFilter().filter(record)
    assert record.levelno == logging.CRITICAL
    assert record.exc_info is not None


def test_a_handler_interrupted_by_a_database_restart_is_one_warning_line() -> None:
    shutting_down = OperationalError(
        "UPDATE", {}, Exception("the database system is shutting down")
    )
    record = logged(logging.ERROR, shutting_down)
    assert RecoveredBrokerEventFilter().filter(record)
    assert (record.levelno, record.exc_info) == (logging.WARNING, None)
    assert "comes again" in record.getMessage()


def test_a_handler_bug_stays_an_error_with_its_traceback() -> None:
    record = logged(logging.ERROR, KeyError("renewal_id"))
    assert RecoveredBrokerEventFilter().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_a_missing_topic_is_said_once_a_minute_not_on_every_metadata_refresh() -> None:
    missing = MissingTopicFilter(every_seconds=60)

    def logged(topic: str) -> logging.LogRecord:
        return logging.LogRecord(
            "aiokafka.cluster", logging.ERROR, __file__, 1, MISSING_TOPIC, (topic,), None
        )

    first = logged("invoice-issued")
    assert missing.filter(first)
    assert first.levelno == logging.WARNING
    assert not missing.filter(logged("invoice-issued"))
    assert missing.filter(logged("invoice-paid"))
