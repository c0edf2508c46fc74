"""Column types every service shares: one behaviour on PostgreSQL and on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC and always read back timezone-aware (UTC).

    PostgreSQL's `timestamptz` does this by itself; SQLite keeps no offset, so a plain
    `UtcDateTime()` comes back naive there and breaks every comparison with the
    (aware) service clock, and every answer that serializes it. Naive values written by
    code are taken as UTC, the only zone this system uses (ARCHITECTURE.md: time is UTC).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime takes a datetime, not {type(value).__name__}")
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite stores the wall time only: hand it the UTC wall time, naive, to be explicit.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)
