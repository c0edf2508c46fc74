"""What the broker client logs when the broker restarts or a group rebalances, said as the
expected, recovered event it is; anything else keeps its level and traceback.

- faststream's acknowledgement middleware logs a failed offset commit at CRITICAL with a
  traceback. When the cause is a rebalance (CommitFailedError) or the broker being away, the
  records come again and the idempotent consumer skips what it already did: one WARNING line.
- faststream logs a handler's exception at ERROR with a traceback. When the database or the
  broker is restarting (shared/messaging/transient.py), the consumer has already said so in
  a WARNING and the message comes again: one WARNING line.
- aiokafka logs ERROR for a subscribed topic that is missing on every metadata refresh
  (several a second per consumer) until a topic keeper creates it again after a memory
  broker restart: one WARNING per topic per minute, so a topic that stays missing still shows.
- aiokafka logs ERROR for every failed connection, metadata refresh, fetch and heartbeat while
  the broker is away: each consumer several a second (2,700 lines of "Unable connect to node"
  over three 8 s broker restarts). Each such message is logged at most once a minute per
  logger and message, still at ERROR: a broker that stays away still shows.
"""

from __future__ import annotations

import logging
import time

from aiokafka.errors import CommitFailedError

from shared.messaging.transient import is_transient

MISSING_TOPIC = "Topic %s not found in cluster metadata"  # aiokafka.cluster's message


class RecoveredBrokerEventFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or record.levelno < logging.ERROR:
            return True
        if record.levelno == logging.CRITICAL and _recovered(exc):
            _one_warning_line(
                record,
                "offset commit refused (%r): the group rebalanced or the broker restarted; "
                "the records come again and are deduplicated",
                exc,
            )
        elif record.levelno == logging.ERROR and is_transient(exc):
            _one_warning_line(record, "handler interrupted (%r); the message comes again", exc)
        return True


def _one_warning_line(record: logging.LogRecord, message: str, exc: BaseException) -> None:
    record.levelno, record.levelname = logging.WARNING, "WARNING"
    record.msg, record.args = message, (exc,)
    record.exc_info = record.exc_text = None


class _OncePer:
    """Whether a key was not seen in the last `every` seconds (then it counts as seen now)."""

    def __init__(self, every_seconds: float) -> None:
        self.every = every_seconds
        self._last: dict[object, float] = {}

    def first_in_a_while(self, key: object) -> bool:
        now = time.monotonic()
        if now - self._last.get(key, -self.every) < self.every:
            return False
        self._last[key] = now
        return True


class MissingTopicFilter(logging.Filter):
    def __init__(self, every_seconds: float = 60.0) -> None:
        super().__init__()
        self._once = _OncePer(every_seconds)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != MISSING_TOPIC or not isinstance(record.args, tuple):
            return True
        if not self._once.first_in_a_while(record.args[0]):  # the topic
            return False
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = MISSING_TOPIC + " (at most once a minute per topic)"
        return True


class RepeatedClientErrorFilter(logging.Filter):
    """aiokafka's ERROR lines without a traceback: one a minute per message."""

    def __init__(self, every_seconds: float = 60.0) -> None:
        super().__init__()
        self._once = _OncePer(every_seconds)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR or record.exc_info:
            return True
        if not self._once.first_in_a_while((record.name, record.msg)):
            return False
        record.msg = f"{record.msg} (the same message is not logged again for a minute)"
        return True


def _recovered(exc: BaseException) -> bool:
    return isinstance(exc, CommitFailedError) or is_transient(exc)


RECOVERED_EVENTS = RecoveredBrokerEventFilter()
MISSING_TOPICS = MissingTopicFilter()
REPEATED_CLIENT_ERRORS = RepeatedClientErrorFilter()
# where aiokafka logs a broker that is away (its connections, fetcher and group coordinator)
CLIENT_LOGGERS = ("aiokafka", "aiokafka.consumer.fetcher", "aiokafka.consumer.group_coordinator")


def quiet_recovered_broker_events(service_broker_logger: logging.Logger) -> None:
    # The same filter objects are never added twice to one logger.
    service_broker_logger.addFilter(RECOVERED_EVENTS)
    logging.getLogger("aiokafka.cluster").addFilter(MISSING_TOPICS)
    for name in CLIENT_LOGGERS:
        logging.getLogger(name).addFilter(REPEATED_CLIENT_ERRORS)
