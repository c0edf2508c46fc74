"""The payment provider port and its sandbox adapter (a PSP's test mode, deterministic)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol


class ProviderUnavailable(Exception):
    """No answer from the provider (timeout, network): the charge may or may not exist there."""


class UnknownToken(Exception):
    """The provider has no payment method behind this token."""


@dataclass(frozen=True)
class TokenDetails:
    """What the provider tells about a tokenised method: never the number itself (R-PAY-1)."""

    kind: str  # card | wallet | bank_transfer | alipay | convenience_store
    brand: str
    last4: str | None
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class ProviderResult:
    status: Literal["succeeded", "failed"]
    provider_charge_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class RefundResult:
    status: Literal["succeeded", "failed"]
    provider_refund_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class PaymentProvider(Protocol):
    async def attach(self, token: str) -> TokenDetails:
        """Look up the method a client-side token stands for; raises UnknownToken."""
        ...

    async def refund(
        self, *, idempotency_key: str, provider_charge_id: str, amount: int, currency: str
    ) -> RefundResult:
        """Send back part or all of a charge once per idempotency key; a repeat returns the
        first result. Raises ProviderUnavailable when the answer is lost."""
        ...

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
_FAR = 2034  # test cards expire far ahead, as a provider's test cards do
_TOKENS: dict[str, TokenDetails] = {
    "tok_visa": TokenDetails("card", "visa", "4242", 12, _FAR),
    "tok_mastercard": TokenDetails("card", "mastercard", "4444", 12, _FAR),
    "tok_amex": TokenDetails("card", "amex", "8431", 12, _FAR),
    "tok_chargeDeclined": TokenDetails("card", "visa", "0002", 12, _FAR),
    "tok_chargeDeclinedInsufficientFunds": TokenDetails("card", "visa", "9995", 12, _FAR),
    "tok_chargeDeclinedExpiredCard": TokenDetails("card", "visa", "0069", 12, _FAR),
    TIMEOUT_TOKEN: TokenDetails("card", "visa", "1117", 12, _FAR),
    "tok_paypal": TokenDetails("wallet", "paypal", None),
    "tok_bank_transfer": TokenDetails("bank_transfer", "sepa", "3000"),
    "tok_alipay": TokenDetails("alipay", "alipay", None),
    "tok_konbini": TokenDetails("convenience_store", "konbini", None),
}
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
);
CREATE TABLE IF NOT EXISTS refunds (
    idempotency_key TEXT PRIMARY KEY,
    provider_charge_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_refund_id TEXT NOT NULL,
    failure_code TEXT,
    created_at TEXT NOT NULL
);
"""


_REFUND_MESSAGES = {
    "charge_not_refundable": "The provider has no succeeded charge to refund.",
    "amount_too_large": "The refund is larger than what is left on the charge.",
}


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
    idempotency key always returns the first recorded result and never charges twice.

    Each worker thread keeps its own connection to the ledger (opening one per charge cost
    more than the charge). The ledger is in WAL mode with `synchronous=NORMAL`: a commit is in
    the WAL before the call answers, so a killed process loses nothing (only a power cut could
    lose the last commits, which a sandbox can afford); the key's PRIMARY KEY still makes a
    second charge of one key impossible, from any thread or process."""

    def __init__(self, ledger_path: str | Path) -> None:
        self.ledger_path = Path(ledger_path)
        self._ready = False
        self._setup = threading.Lock()
        self._local = threading.local()  # this provider's connection in each thread

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if not self._ready:
            # Charges run in several threads at once: the first ones must not all switch the
            # journal mode together (SQLite answers "database is locked" to the losers).
            with self._setup:
                if not self._ready:
                    self._create_ledger()
                    self._ready = True
        conn = sqlite3.connect(self.ledger_path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=NORMAL")  # per connection; WAL: durable past a crash
        self._local.conn = conn
        return conn

    def _create_ledger(self) -> None:
        self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.ledger_path, timeout=30, isolation_level=None)
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")  # once per file; it persists
            conn.executescript(_SCHEMA)
        finally:
            conn.close()

    def _charge_sync(
        self, idempotency_key: str, token: str, amount: int, currency: str
    ) -> tuple[dict[str, Any], bool]:
        status, code = _outcome(token)
        conn = self._connect()
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

    async def attach(self, token: str) -> TokenDetails:
        details = _TOKENS.get(token)
        if details is None:
            raise UnknownToken(token)
        return details

    def _refund_sync(
        self, idempotency_key: str, provider_charge_id: str, amount: int, currency: str
    ) -> dict[str, Any]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")  # the refundable check and the insert are one step
            row = conn.execute(
                "SELECT * FROM refunds WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
            if row is None:
                code = self._refund_refusal(conn, provider_charge_id, amount, currency)
                conn.execute(
                    "INSERT INTO refunds (idempotency_key, provider_charge_id, amount, currency,"
                    " status, provider_refund_id, failure_code, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        idempotency_key,
                        provider_charge_id,
                        amount,
                        currency,
                        "failed" if code else "succeeded",
                        f"re_sandbox_{uuid.uuid4().hex[:24]}",
                        code,
                        datetime.now(UTC).isoformat(),
                    ),
                )
                row = conn.execute(
                    "SELECT * FROM refunds WHERE idempotency_key = ?", (idempotency_key,)
                ).fetchone()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return dict(row)

    @staticmethod
    def _refund_refusal(
        conn: sqlite3.Connection, provider_charge_id: str, amount: int, currency: str
    ) -> str | None:
        charge = conn.execute(
            "SELECT amount, currency, status FROM charges WHERE provider_charge_id = ?",
            (provider_charge_id,),
        ).fetchone()
        if charge is None or charge["status"] != "succeeded" or charge["currency"] != currency:
            return "charge_not_refundable"
        refunded = conn.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM refunds"
            " WHERE provider_charge_id = ? AND status = 'succeeded'",
            (provider_charge_id,),
        ).fetchone()[0]
        return "amount_too_large" if refunded + amount > charge["amount"] else None

    async def refund(
        self, *, idempotency_key: str, provider_charge_id: str, amount: int, currency: str
    ) -> RefundResult:
        row = await asyncio.to_thread(
            self._refund_sync, idempotency_key, provider_charge_id, amount, currency
        )
        code = row["failure_code"]
        return RefundResult(
            status=row["status"],
            provider_refund_id=row["provider_refund_id"],
            failure_code=code,
            failure_message=_REFUND_MESSAGES.get(code) if code else None,
        )

    def _entries_sync(self, table: str) -> list[dict[str, Any]]:
        rows = self._connect().execute(
            f"SELECT * FROM {table} ORDER BY created_at, idempotency_key"
        )
        return [dict(r) for r in rows.fetchall()]

    async def ledger_entries(self) -> list[dict[str, Any]]:
        """Every charge the provider recorded, for reconciliation."""
        return await asyncio.to_thread(self._entries_sync, "charges")

    async def refund_entries(self) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._entries_sync, "refunds")


class DieAfterCharge:
    """Test hook for the crash test (never in prod): the process is killed the moment the
    provider has accepted a charge, before the outcome is committed (PAYMENTS_CRASH_AFTER_PROVIDER)."""

    def __init__(self, inner: PaymentProvider) -> None:
        self.inner = inner

    async def attach(self, token: str) -> TokenDetails:
        return await self.inner.attach(token)

    async def refund(self, **kwargs: Any) -> RefundResult:
        return await self.inner.refund(**kwargs)

    async def charge(
        self, *, idempotency_key: str, token: str, amount: int, currency: str
    ) -> ProviderResult:
        result = await self.inner.charge(
            idempotency_key=idempotency_key, token=token, amount=amount, currency=currency
        )
        if not result.succeeded:  # a declined card (a demo account's) is not the moment
            return result
        os.kill(os.getpid(), signal.SIGKILL)  # as `kill -9`: no clean-up, no commit
        raise AssertionError("unreachable")
