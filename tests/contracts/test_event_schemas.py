"""Other company systems consume these events: a contract only ever grows (ARCHITECTURE.md)."""

from __future__ import annotations

import json

import pytest

from shared.contracts import SNAPSHOT_DIR, breaking_changes, schema_of, snapshot_path
from shared.events import CONTRACTS, Envelope, EventData


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.topic)
def test_published_event_contract_has_no_breaking_change(contract: type[EventData]) -> None:
    path = snapshot_path(contract)
    assert path.exists(), (
        f"no snapshot for {contract.topic}: run `uv run python -m shared.contracts`"
    )
    assert breaking_changes(json.loads(path.read_text()), schema_of(contract)) == []


def test_envelope_has_no_breaking_change() -> None:
    old = json.loads((SNAPSHOT_DIR / "envelope.json").read_text())
    assert breaking_changes(old, Envelope.model_json_schema(mode="serialization")) == []


def test_removing_a_field_is_reported_as_breaking() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    new = {"properties": {"a": {"type": "integer"}}, "required": ["a", "c"]}
    assert sorted(breaking_changes(old, new)) == [
        "a: type changed",
        "b: removed",
        "c: newly required",
    ]


def test_the_events_index_lists_every_published_topic() -> None:
    from shared.contracts import SNAPSHOT_DIR, index

    assert (SNAPSHOT_DIR / "README.md").read_text() == index(), (
        "docs/events/README.md is stale: run `uv run python -m shared.contracts`"
    )
