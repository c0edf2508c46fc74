"""Demo data for `make run`: one file, each service loads only what it owns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).resolve().parent.parent / "deploy" / "demo" / "accounts.json"


def demo_accounts(path: Path = DEMO_FILE) -> list[dict[str, Any]]:
    accounts: list[dict[str, Any]] = json.loads(path.read_text())["accounts"]
    return accounts
