"""Reading a process's /metrics in end-to-end tests."""

from __future__ import annotations

import httpx

from shared.infra.stack import SERVICE_NAMES

__all__ = ["SERVICE_NAMES", "sample", "samples", "scrape"]


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
