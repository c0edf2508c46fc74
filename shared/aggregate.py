"""Aggregates record the events of their changes; the unit of work collects them and writes
them to the outbox on commit (STYLE.md 8: cosmicpython's `events`, with our outbox; the unit of
work is `shared.uow.AggregateUnitOfWork`). Nothing here knows a database.

A service's aggregate mixes in `Aggregate`, calls `self.record(SomethingHappened(...))` when
something happens and `self.new_version()` when its state moved; the service's unit of work
says what each recorded event is on the wire (`_outgoing`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
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


Collected = tuple[int, Aggregate, Any]


def in_publishing_order(collected: Iterable[Collected]) -> list[tuple[Aggregate, Any]]:
    """What to publish, in the order it happened across aggregates; of an aggregate's
    `NewVersion`s only the last is kept (one snapshot per aggregate, after its last change)."""
    ordered = sorted(collected, key=lambda c: c[0])
    last_version = {id(agg): seq for seq, agg, e in ordered if isinstance(e, NewVersion)}
    return [
        (aggregate, recorded)
        for seq, aggregate, recorded in ordered
        if not isinstance(recorded, NewVersion) or last_version[id(aggregate)] == seq
    ]
