"""The ASGI middleware that answers a repeated Idempotency-Key from the store (see
shared/idempotency/__init__.py for the rules)."""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.idempotency.store import (
    IdempotencyStore,
    InProgress,
    Outcome,
    Replay,
    Reused,
    StoredResponse,
    request_hash,
)
from shared.principal import HEADER_CSN, HEADER_INTERNAL_TOKEN, HEADER_REQUEST_ID

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces (UUIDs fit)
MAX_STORED_BODY = 1_000_000


def _worth_keeping(status: int, body: bytes) -> bool:
    """What the handler answered once it ran; not a refusal before it ran, nor a crash."""
    if status >= 500 or status in (401, 403, 429) or len(body) > MAX_STORED_BODY:
        return False
    if status == 422:
        try:
            return bool(json.loads(body).get("code") != "invalid_request")
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
