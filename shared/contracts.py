"""JSON Schema snapshots of the published events, committed under docs/events/, so that a
breaking change to a contract fails the suite. Refresh after an additive change with
`uv run python -m shared.contracts`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.events import CONTRACTS, Envelope, EventData

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "docs" / "events"


def schema_of(contract: type[EventData]) -> dict[str, Any]:
    return contract.model_json_schema(mode="serialization")


def snapshot_path(contract: type[EventData]) -> Path:
    return SNAPSHOT_DIR / f"{contract.topic}.v{contract.version}.json"


def breaking_changes(old: dict[str, Any], new: dict[str, Any], where: str = "") -> list[str]:
    """Removed fields, changed types and newly required fields are breaking; additions are not."""
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, spec in old_props.items():
        if name not in new_props:
            problems.append(f"{where}{name}: removed")
            continue
        for key in ("type", "format", "$ref", "anyOf", "enum"):
            if spec.get(key) != new_props[name].get(key):
                problems.append(f"{where}{name}: {key} changed")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"{where}{name}: newly required")
    for name, sub in old.get("$defs", {}).items():
        problems += breaking_changes(sub, new.get("$defs", {}).get(name, {}), f"{where}{name}.")
    return problems


def write_snapshots() -> None:
    SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for contract in CONTRACTS:
        snapshot_path(contract).write_text(
            json.dumps(schema_of(contract), indent=2, sort_keys=True) + "\n"
        )
    envelope = Envelope.model_json_schema(mode="serialization")
    (SNAPSHOT_DIR / "envelope.json").write_text(
        json.dumps(envelope, indent=2, sort_keys=True) + "\n"
    )


if __name__ == "__main__":
    write_snapshots()
    print(f"wrote {len(CONTRACTS) + 1} schemas to {SNAPSHOT_DIR}")
