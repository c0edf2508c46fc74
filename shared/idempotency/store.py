"""The kept Idempotency-Key responses (see shared/idempotency/__init__.py): one row per (CSN,
key), claimed under a lease, completed with the response, purged after `ttl`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock
from shared.db_types import UtcDateTime

IN_PROGRESS, DONE = "in_progress", "done"


def define_idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("csn", String(32), primary_key=True),
        Column("idempotency_key", String(255), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(500), nullable=False),
        Column("status", String(16), nullable=False),
        Column("locked_until", UtcDateTime(), nullable=True),
        Column("response_status", Integer, nullable=True),
        Column("response_content_type", String(200), nullable=True),
        Column("response_body", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("expires_at", UtcDateTime(), nullable=False),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """This request holds the key: run it, then `complete` or `release`."""


@dataclass(frozen=True)
class Replay:
    response: StoredResponse


@dataclass(frozen=True)
class Reused:
    """The key was used for another request."""


@dataclass(frozen=True)
class InProgress:
    """The first request with this key is still running."""


Outcome = Claimed | Replay | Reused | InProgress


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests 'the same': method, path, query and the body's JSON value
    (key order and whitespace do not count)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        clock: Clock,
        *,
        ttl: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.engine, self.table, self.clock = engine, table, clock
        self.ttl, self.lease = ttl, lease

    def _where(self, csn: str, key: str) -> Any:
        t = self.table
        return (t.c.csn == csn) & (t.c.idempotency_key == key)

    async def claim(self, csn: str, key: str, fingerprint: str, method: str, path: str) -> Outcome:
        t = self.table
        for _ in range(5):  # each round ends on a decision unless a concurrent change intervened
            now = self.clock.now()
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(
                        insert(t).values(
                            csn=csn,
                            idempotency_key=key,
                            request_hash=fingerprint,
                            method=method,
                            path=path[:500],
                            status=IN_PROGRESS,
                            locked_until=now + self.lease,
                            created_at=now,
                            expires_at=now + self.ttl,
                        )
                    )
                return Claimed()
            except IntegrityError:
                pass  # the key exists: insert first, then look (never check-then-insert)
            async with self.engine.begin() as conn:
                row = (await conn.execute(select(t).where(self._where(csn, key)))).one_or_none()
                if row is None:
                    continue
                if row.expires_at <= now:  # expired but not purged yet: start afresh
                    await conn.execute(
                        delete(t).where(self._where(csn, key) & (t.c.expires_at == row.expires_at))
                    )
                    continue
                if row.request_hash != fingerprint:
                    return Reused()
                if row.status == DONE:
                    return Replay(
                        StoredResponse(
                            row.response_status, row.response_content_type, row.response_body
                        )
                    )
                if row.locked_until is not None and row.locked_until > now:
                    return InProgress()
                taken = await conn.execute(  # the holder died: take the key over (compare-and-set)
                    update(t)
                    .where(
                        self._where(csn, key)
                        & (t.c.status == IN_PROGRESS)
                        & (t.c.locked_until == row.locked_until)
                    )
                    .values(locked_until=now + self.lease)
                )
                if taken.rowcount == 1:
                    return Claimed()
        return InProgress()

    async def complete(self, csn: str, key: str, response: StoredResponse) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(self.table)
                .where(self._where(csn, key))
                .values(
                    status=DONE,
                    locked_until=None,
                    response_status=response.status,
                    response_content_type=response.content_type,
                    response_body=response.body,
                )
            )

    async def release(self, csn: str, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(self.table).where(
                    self._where(csn, key) & (self.table.c.status == IN_PROGRESS)
                )
            )

    async def purge_expired(self) -> int:
        """Delete keys past their expiry; safe with N replicas running it at once."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(self.table).where(self.table.c.expires_at < self.clock.now())
            )
        return int(result.rowcount or 0)
