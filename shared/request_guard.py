"""What no request body gets past, on any route of any process: JSON nested deeper than any
of our documents, and card data in any field (R-PAY-1). Checked on the raw bytes, before
anything parses or walks the body, so that neither can cause a 500 or reach a log."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from shared.card_data import CardDataRefused, card_numbers_in, security_codes_in
from shared.errors import DomainError
from shared.http import problem

MAX_JSON_DEPTH = 32  # our deepest document is 4 levels; recursive parsers fail near 1,000
# One character class, no alternation: linear on any input (a pattern for whole strings can
# backtrack quadratically on a body of escaped quotes; seen: minutes for 200 KB).
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPENING, _CLOSING = frozenset(b"[{"), frozenset(b"]}")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TooDeeplyNested(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "invalid_request",
            f"JSON may not nest arrays and objects more than {MAX_JSON_DEPTH} levels deep.",
            status=422,
        )


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (no parsing, no recursion,
    linear in the body's length)."""
    depth, in_string, escaped_at = 0, False, -1
    for match in _STRUCTURE.finditer(body):
        at = match.start()
        if at == escaped_at:
            continue
        char = body[at]
        if in_string:
            if char == _BACKSLASH:
                escaped_at = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSING:
            depth -= 1
            if depth < 0:
                return False  # not JSON at all: the parser refuses it
    return False


def refusal_of(body: bytes) -> DomainError | None:
    """Why this body is refused (422), or None."""
    if not body:
        return None
    if nesting_exceeds(body):
        return TooDeeplyNested()
    text = body.decode("utf-8", errors="replace")
    if card_numbers_in(text) or security_codes_in(text):
        return CardDataRefused()
    return None


def check_body(body: bytes) -> None:
    if (refused := refusal_of(body)) is not None:
        raise refused


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class RequestGuardMiddleware:
    """Reads a write's body once, refuses it with problem+json or hands the same bytes on."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if (refused := refusal_of(body)) is not None:
            request = Request(scope)
            response = problem(refused.status, refused.code, refused.message, request)
            await response(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
