"""Errors with stable codes; the HTTP layer renders them as RFC 9457 problem+json."""

from __future__ import annotations


class DomainError(Exception):
    """A rule the request breaks. `code` is stable and documented; `message` says what to do."""

    status = 409

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Response headers that belong with the error (Retry-After, WWW-Authenticate).
        self.headers: dict[str, str] = dict(headers or {})
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(
            f"{what}_not_found", f"No {what.replace('_', ' ')} {ident} in this account."
        )


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str) -> None:
        super().__init__("forbidden", message)
