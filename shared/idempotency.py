"""Idempotency-Key on POSTs that create or pay (ARCHITECTURE: idempotent commands), in the
owning service, the way Stripe does it: a repeat of a request with the same key returns the
first response (status and body); the same key with another request is refused (422
`idempotency_key_reused`); a duplicate that arrives while the first is still running waits for
it and returns its response (409 `idempotency_in_progress` if it runs longer than the wait).

Keys belong to one customer account: (CSN, key). They are kept `ttl` (24 h at least), then
purged by a periodic job. What is kept is what the handler answered once it ran — success or
a business refusal — but not a request refused before it ran (401, 403, 422 `invalid_request`,
429) nor a crash (5xx): those leave no trace, and the same key may be used again.

A request holds its key under a lease; if its process dies before recording the response, the
key is taken over once the lease ends and the request runs again — the services' own state
guards (an invoice is charged at most once) are the second line of defence there.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
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
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.clock import Clock
from shared.db_types import UtcDateTime
from shared.principal import HEADER_CSN, HEADER_INTERNAL_TOKEN, HEADER_REQUEST_ID

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces (UUIDs fit)
MAX_STORED_BODY = 1_000_000
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


def _worth_keeping(status: int, body: bytes) -> bool:
    """What the handler answered once it ran; not a refusal before it ran, nor a crash."""
    if status >= 500 or status in (401, 403, 429) or len(body) > MAX_STORED_BODY:
        return False
    if status == 422:
        try:
            return json.loads(body).get("code") != "invalid_request"
        except (ValueError, AttributeError):
            return False
    return True


class IdempotencyMiddleware:
    """ASGI middleware of a service: applies to POSTs carrying Idempotency-Key from the gateway."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: IdempotencyStore,
        internal_token: str,
        wait_seconds: float = 10.0,
    ) -> None:
        self.app, self.store = app, store
        self.internal_token = internal_token
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key, csn = headers.get(HEADER), headers.get(HEADER_CSN)
        token = headers.get(HEADER_INTERNAL_TOKEN, "")
        if key is None or not csn or not hmac.compare_digest(token, self.internal_token):
            await self.app(scope, receive, send)  # not ours to keep (the router answers 401)
            return
        rid = scope.get("state", {}).get("request_id") or headers.get(HEADER_REQUEST_ID)
        if not KEY_FORMAT.fullmatch(key):
            await _problem(
                send, 422, "idempotency_key_invalid",
                "Idempotency-Key must be 1 to 255 printable ASCII characters, e.g. a UUID.",
                scope, rid,
            )  # fmt: skip
            return
        body = await _read_body(receive)
        fingerprint = request_hash("POST", scope["path"], scope.get("query_string", b""), body)
        outcome = await self._claim(csn, key, fingerprint, scope["path"])
        if isinstance(outcome, Replay):
            await _send(send, outcome.response, {REPLAYED: "true"})
        elif isinstance(outcome, Reused):
            await _problem(
                send, 422, "idempotency_key_reused",
                "This Idempotency-Key was used for a different request; use a new key for a "
                "new request.",
                scope, rid,
            )  # fmt: skip
        elif isinstance(outcome, InProgress):
            await _problem(
                send, 409, "idempotency_in_progress",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                scope, rid, {"Retry-After": "1"},
            )  # fmt: skip
        else:
            await self._run(scope, body, send, csn, key)

    async def _claim(self, csn: str, key: str, fingerprint: str, path: str) -> Outcome:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        delay = 0.02
        while True:
            outcome = await self.store.claim(csn, key, fingerprint, "POST", path)
            if not isinstance(outcome, InProgress) or loop.time() + delay > deadline:
                return outcome
            await asyncio.sleep(delay)  # the first request is running: wait for its answer
            delay = min(delay * 2, 0.25)

    async def _run(self, scope: Scope, body: bytes, send: Send, csn: str, key: str) -> None:
        replayed = False

        async def receive_body() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive_body, capture)
        except BaseException:
            await self.store.release(csn, key)
            raise
        status, content = start["status"], b"".join(chunks)
        response_headers = Headers(raw=start.get("headers", []))
        if _worth_keeping(status, content):
            await self.store.complete(
                csn, key, StoredResponse(status, response_headers.get("content-type"), content)
            )
        else:
            await self.store.release(csn, key)
        await send({**start, "headers": start.get("headers", [])})
        await send({"type": "http.response.body", "body": content, "more_body": False})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, response: StoredResponse, extra: dict[str, str]) -> None:
    headers = [(b"content-length", str(len(response.body)).encode())]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode()))
    headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def _problem(
    send: Send,
    status: int,
    code: str,
    detail: str,
    scope: Scope,
    request_id: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    """The same problem+json shape as shared.http.problem (this runs outside FastAPI)."""
    body: dict[str, Any] = {
        "type": f"https://docs.billing.example/errors/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": detail,
        "instance": scope["path"],
    }
    if request_id:
        body["request_id"] = request_id
    await _send(
        send,
        StoredResponse(status, "application/problem+json", json.dumps(body).encode()),
        headers or {},
    )
