"""Which failures park a message and which only delay it (issue 16): a database or broker
restarting is never the message's fault."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError, RequestTimedOutError
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared.errors import DomainError
from shared.messaging.transient import is_transient


def wrapped(orig: BaseException) -> DBAPIError:
    """As SQLAlchemy raises a driver error: a DBAPIError whose `orig` is the driver's."""
    try:
        try:
            raise orig
        except BaseException as inner:
            raise DBAPIError("UPDATE invoices ...", {}, inner) from inner
    except DBAPIError as outer:
        return outer


def validation_error() -> ValidationError:
    class Seats(BaseModel):
        seats: int

    try:
        Seats.model_validate({"seats": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "error",
    [
        wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection due to admin")),
        wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")),
        wrapped(asyncpg.exceptions.SerializationError("could not serialize access")),
        wrapped(asyncpg.exceptions.DeadlockDetectedError("deadlock detected")),
        wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")),
        wrapped(Exception("the database system is shutting down")),
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
        ConnectionResetError("reset by peer"),
        TimeoutError(),
        KafkaConnectionError("broker gone"),
        RequestTimedOutError(),
    ],
    ids=lambda e: type(e).__name__ + ":" + str(e)[:40],
)
def test_infrastructure_failures_are_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        validation_error(),
        KeyError("subscription_id"),
        TypeError("can't compare offset-naive and offset-aware datetimes"),
        DomainError("invoice_not_open", "The invoice is not open."),
        IntegrityError("INSERT ...", {}, Exception("duplicate key value violates unique")),
        wrapped(asyncpg.exceptions.NumericValueOutOfRangeError("integer out of range")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_of_the_message_itself_are_not(error: BaseException) -> None:
    assert not is_transient(error)
