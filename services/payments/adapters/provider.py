"""The payment provider port and its sandbox adapter (a PSP's test mode, deterministic)."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol


class ProviderUnavailable(Exception):
    """No answer from the provider (timeout, network): the charge may or may not exist there."""


@dataclass(frozen=True)
class ProviderResult:
    status: Literal["succeeded", "failed"]
    provider_charge_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class PaymentProvider(Protocol):
    async def charge(
        self, *, idempotency_key: str, token: str, amount: int, currency: str
    ) -> ProviderResult:
        """Charge `amount` minor units once per idempotency key; a repeat returns the first result.

        Raises ProviderUnavailable when the answer is lost; retry with the same key.
        """
        ...


# Stripe-like test tokens: what the sandbox answers for each.
_SUCCEEDING_TOKENS = frozenset({"tok_visa", "tok_mastercard", "tok_amex", "tok_paypal"})
_DECLINES: dict[str, tuple[str, str]] = {
    "tok_chargeDeclined": ("card_declined", "Your card was declined."),
    "tok_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "tok_chargeDeclinedExpiredCard": ("expired_card", "Your card has expired."),
}
TIMEOUT_TOKEN = "tok_timeout"
_INVALID_TOKEN = ("invalid_token", "This payment method is not recognised by the provider.")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS charges (
    idempotency_key TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_charge_id TEXT NOT NULL,
    failure_code TEXT,
    created_at TEXT NOT NULL
)
"""


def _outcome(token: str) -> tuple[str, str | None]:
    if token in _SUCCEEDING_TOKENS or token == TIMEOUT_TOKEN:
        return "succeeded", None
    code, _ = _DECLINES.get(token, _INVALID_TOKEN)
    return "failed", code


def _message(code: str | None) -> str | None:
    if code is None:
        return None
    messages = {c: m for c, m in _DECLINES.values()} | {_INVALID_TOKEN[0]: _INVALID_TOKEN[1]}
    return messages.get(code, "The payment was refused.")


class SandboxProvider:
    """Behaves like a PSP's test mode with its own ledger (a separate SQLite file): the same
    idempotency key always returns the first recorded result and never charges twice."""

    def __init__(self, ledger_path: str | Path) -> None:
        self.ledger_path = Path(ledger_path)
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.ledger_path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        if not self._ready:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            self._ready = True
        return conn

    def _charge_sync(
        self, idempotency_key: str, token: str, amount: int, currency: str
    ) -> tuple[dict[str, Any], bool]:
        status, code = _outcome(token)
        conn = self._connect()
        try:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO charges (idempotency_key, token, amount, currency, status,"
                " provider_charge_id, failure_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    idempotency_key,
                    token,
                    amount,
                    currency,
                    status,
                    f"ch_sandbox_{uuid.uuid4().hex[:24]}",
                    code,
                    datetime.now(UTC).isoformat(),
                ),
            ).rowcount
            row = conn.execute(
                "SELECT * FROM charges WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
        finally:
            conn.close()
        return dict(row), inserted == 1

    async def charge(
        self, *, idempotency_key: str, token: str, amount: int, currency: str
    ) -> ProviderResult:
        row, first_time = await asyncio.to_thread(
            self._charge_sync, idempotency_key, token, amount, currency
        )
        if first_time and row["token"] == TIMEOUT_TOKEN:
            # Recorded, but the answer is lost on the way back: the caller must retry the key.
            raise ProviderUnavailable(f"timeout charging {idempotency_key}")
        return ProviderResult(
            status=row["status"],
            provider_charge_id=row["provider_charge_id"],
            failure_code=row["failure_code"],
            failure_message=_message(row["failure_code"]),
        )

    def _entries_sync(self) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            rows = conn.execute("SELECT * FROM charges ORDER BY created_at, idempotency_key")
            return [dict(r) for r in rows.fetchall()]
        finally:
            conn.close()

    async def ledger_entries(self) -> list[dict[str, Any]]:
        """Everything the provider recorded, for reconciliation."""
        return await asyncio.to_thread(self._entries_sync)
