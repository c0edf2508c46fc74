"""Demo data for `make run`: one file, each service loads only what it owns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).resolve().parent.parent / "deploy" / "demo" / "accounts.json"


def demo_accounts(path: Path = DEMO_FILE) -> list[dict[str, Any]]:
    accounts: list[dict[str, Any]] = json.loads(path.read_text())["accounts"]
    return accounts


# The account's own people. Partners and the vendor's billing agents act on an account; they
# are not its contacts.
CUSTOMER_ROLES = frozenset({"primary_admin", "contract_manager", "buyer", "user"})


def demo_users() -> dict[str, dict[str, Any]]:
    """Every demo person by subject, with the CSN of the account they act on."""
    return {u["subject"]: {**u, "csn": a["csn"]} for a in demo_accounts() for u in a["users"]}


def is_contact(user: dict[str, Any]) -> bool:
    """A person of the customer company (not only a partner or a vendor's billing agent)."""
    return bool(CUSTOMER_ROLES.intersection(user["roles"]))
