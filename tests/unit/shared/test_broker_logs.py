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
    RepeatedClientErrorFilter,
)
from shared.runtime import Outage


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


def test_a_broker_away_is_one_error_line_a_minute_per_message_not_one_per_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.aiokafka.client")
    logger.addFilter(RepeatedClientErrorFilter(every_seconds=60))
    with caplog.at_level(logging.WARNING, logger="test.aiokafka.client"):
        for _ in range(200):  # a consumer retrying while the broker restarts
            logger.error("Unable connect to node with id %s: %s", 1, "Connection refused")
            logger.error("Unable to update metadata from %s", [1])
        logger.warning("Heartbeat failed: local member_id was not recognized")
        try:
            raise KafkaConnectionError("a failure with its traceback")
        except KafkaConnectionError:
            logger.exception("something else")
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == [logging.ERROR] * 2 + [logging.WARNING, logging.ERROR]
    assert lines[0][1].startswith("Unable connect to node with id 1: Connection refused")
    assert "not logged again for a minute" in lines[0][1]
    assert lines[1][1].startswith("Unable to update metadata from [1]")
    assert caplog.records[-1].exc_info  # a traceback is never swallowed


def test_a_job_failing_through_an_outage_says_so_once_and_once_when_it_runs_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage("periodic job charge-processor")
    with caplog.at_level(logging.WARNING, logger="shared.runtime"):
        for _ in range(300):  # every 0.1 s through a 30 s PostgreSQL outage
            outage.failed(OperationalError("select 1", {}, ConnectionRefusedError()), 0.1)
        outage.over()
        outage.over()  # runs fine again: nothing more to say
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("periodic job charge-processor: OperationalError")
    assert "retrying every 0.1s" in messages[0]
    assert "running again after" in messages[1] and "(300 failed runs)" in messages[1]
