"""Aggregates record the events of their changes; the unit of work collects them on commit
(STYLE.md 8, cosmicpython's `events`, with our outbox). Nothing here knows a database."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

# One order across every aggregate of a process: the unit of work writes events in the order
# they happened, whichever aggregate recorded them.
_sequence = itertools.count()


@dataclass(frozen=True)
class NewVersion:
    """The aggregate's state moved: whoever follows it needs a fresh snapshot."""

    version: int


class Aggregate:
    """Mixin: `record` an event when something happens; `new_version` when state moved."""

    version: int

    def record(self, event: object) -> None:
        # Not a dataclass field: mapped instances are loaded without __init__.
        self.__dict__.setdefault("_recorded_events", []).append((next(_sequence), event))

    def new_version(self) -> None:
        self.version += 1
        self.record(NewVersion(self.version))

    def collect_events(self) -> list[tuple[int, Any]]:
        """The events recorded since the last collection, with their order; forgets them."""
        events: list[tuple[int, Any]] = self.__dict__.pop("_recorded_events", [])
        return events
