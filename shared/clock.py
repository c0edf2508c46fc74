"""An injectable UTC clock, so that tests and demos can move time forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class AdjustableClock(SystemClock):
    """The real clock plus an offset that dev/test endpoints may move forward (never back)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += delta

    def set_offset(self, offset: timedelta) -> None:
        if offset < self.offset:
            raise ValueError("the clock only moves forward")
        self.offset = offset


class FixedClock(SystemClock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at
