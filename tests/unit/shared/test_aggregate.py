"""Aggregates record the events of their changes; the unit of work publishes them in the order
they happened, one snapshot (`NewVersion`) per aggregate after its last change (STYLE.md 8,
shared/aggregate.py). Moved here from the subscriptions tests when the mechanism became shared;
its database half is tested with subscriptions in tests/integration/test_subscription_rules_sql.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shared.aggregate import Aggregate, NewVersion, in_publishing_order

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Renamed:
    name: str


class Account(Aggregate):
    def __init__(self) -> None:
        self.version = 0
        self.name = ""

    def rename(self, name: str) -> None:
        self.name = name
        self.record(Renamed(name))
        self.new_version()


def test_an_aggregate_gives_its_recorded_events_once_with_a_new_version() -> None:
    account = Account()
    account.rename("Acme")
    assert [event for _, event in account.collect_events()] == [Renamed("Acme"), NewVersion(1)]
    assert account.version == 1
    assert account.collect_events() == []  # collected once


def test_events_are_published_in_the_order_they_happened_across_aggregates() -> None:
    first, second = Account(), Account()
    first.rename("A")
    second.rename("B")
    first.rename("A2")
    collected = [(seq, agg, e) for agg in (second, first) for seq, e in agg.collect_events()]
    published = in_publishing_order(collected)
    assert [(agg, e) for agg, e in published] == [
        (first, Renamed("A")),
        (second, Renamed("B")),
        (second, NewVersion(1)),
        (first, Renamed("A2")),
        (first, NewVersion(2)),  # one snapshot of `first`, after its last change
    ]


def test_nothing_recorded_publishes_nothing() -> None:
    assert Account().collect_events() == []
    assert in_publishing_order([]) == []
