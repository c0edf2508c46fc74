"""Reading a process's /metrics, its JSON log lines and its exported spans in end-to-end
tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from shared.infra.stack import SERVICE_NAMES, Stack

__all__ = [
    "SERVICE_NAMES",
    "json_lines",
    "sample",
    "samples",
    "scrape",
    "spans",
    "written_since_start",
]


def scrape(url: str) -> str:
    resp = httpx.get(f"{url}/metrics", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return resp.text


def samples(text: str, name: str, **labels: str) -> list[float]:
    """Every sample of `name` in a scrape whose labels include `labels`."""
    found = []
    for line in text.splitlines():
        if not (line.startswith(name + "{") or line.startswith(name + " ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            found.append(float(line.rsplit(" ", 1)[1]))
    return found


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the first matching sample, or None."""
    found = samples(text, name, **labels)
    return found[0] if found else None


def written_since_start(stack: Stack, name: str) -> list[str]:
    """The lines a stack process wrote since it started (its log is appended across runs)."""
    with (stack.log_dir / f"{name}.log").open("rb") as log:
        log.seek(stack.log_offsets.get(name, 0))
        *whole, _ = log.read().decode(errors="replace").split("\n")  # not a line half written
        return whole


def json_lines(stack: Stack, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written_since_start(stack, name) if line.startswith("{")]


def spans(path: Path) -> list[dict[str, Any]]:
    """The spans a process exported to its jsonl file (OTEL_TRACES_EXPORTER=jsonl)."""
    if not path.exists():
        return []
    *whole, _ = path.read_text().split("\n")  # not a line a process is still writing
    return [json.loads(line) for line in whole if line.strip()]
