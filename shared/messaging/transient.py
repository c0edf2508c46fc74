"""Is this failure the message's fault, or the infrastructure's? A database or broker that is
restarting, unreachable or asking for a retry is never a reason to park a good message: the
consumer redelivers it once things are back. Only errors of the message itself count towards
parking (ARCHITECTURE.md: delivery guarantees)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# SQLSTATE classes and codes that say "try again": connection exceptions (08), insufficient
# resources (53), operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
# cannot connect now, 57014 statement cancelled), serialization failure and deadlock (40001,
# 40P01), lock not available (55P03).
TRANSIENT_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03", "57014", "40001", "40P01", "55P03")
TRANSIENT_TEXTS = (
    "the database system is shutting down",
    "the database system is starting up",
    "terminating connection",
    "connection is closed",
    "connection was closed",
    "database is locked",
    "server closed the connection",
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 20:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]


def is_transient(exc: BaseException) -> bool:
    """True for a database or broker that is unavailable for now; False for anything else."""
    for cause in _causes(exc):
        if isinstance(cause, (OperationalError, InterfaceError, OSError, TimeoutError)):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(TRANSIENT_SQLSTATES):
            return True
        if getattr(cause, "retriable", False) is True:  # aiokafka's retriable broker errors
            return True
        if (
            type(cause).__module__.startswith("asyncpg")
            and "InterfaceError" in type(cause).__name__
        ):
            return True
        text = str(cause).lower()
        if any(t in text for t in TRANSIENT_TEXTS):
            return True
    return False
