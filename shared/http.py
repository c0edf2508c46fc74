"""HTTP conventions shared by the services and the gateway: problem+json errors, request ids,
internal authentication and the caller's principal."""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError
from shared.messaging.transient import is_transient
from shared.observability.logging import correlated
from shared.principal import (
    HEADER_CSN,
    HEADER_PARTNER,
    HEADER_REQUEST_ID,
    HEADER_ROLES,
    HEADER_SUBJECT,
    Principal,
    Role,
)

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
# A caller's request id is kept when it is a sane token; otherwise a fresh one is made.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def file_responses(
    media_type: str, description: str, example: str | None = None
) -> dict[int | str, Any]:
    """OpenAPI `responses=` for a route that answers a file (PDF, CSV) instead of JSON."""
    media: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
    if example is not None:
        media = {"schema": {"type": "string"}, "example": example}
    return {200: {"description": description, "content": {media_type: media}}}


class RequestBody(BaseModel):
    """The body of a write: unknown fields are refused, and nothing is coerced ("5" is not 5,
    "true" is not true). Dates and enum values, which JSON can only carry as strings, opt out
    field by field with `Field(strict=False)`."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    code: str = Field(description="Stable, documented error code")
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem(
    status: int,
    code: str,
    detail: str,
    request: Request,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    rid = getattr(request.state, "request_id", None)
    body = Problem(
        type=f"https://docs.billing.example/errors/{code}",
        title=code.replace("_", " "),
        status=status,
        code=code,
        detail=detail,
        instance=request.url.path,
        request_id=rid,
        errors=errors,
    )
    # Set here too: a 500 is rendered outside the request-id middleware.
    headers = {**(headers or {}), **({HEADER_REQUEST_ID: rid} if rid else {})}
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.message, request, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem(
            422, "invalid_request", "The request is not valid; see errors.", request, errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }
        return problem(
            exc.status_code,
            code.get(exc.status_code, "http_error"),
            str(exc.detail),
            request,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):  # the database is restarting: a client may ask again, never a 500
            log.warning("database unavailable on %s: %s", request.url.path, exc.__class__.__name__)
            return problem(
                503,
                "service_unavailable",
                "The service's database is unavailable for a moment; try again shortly.",
                request,
                headers={"Retry-After": "2"},
            )
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "internal_error", "Something went wrong on our side.", request)

    @app.middleware("http")
    async def _request_id(request: Request, call_next: Any) -> Any:
        given = request.headers.get(HEADER_REQUEST_ID, "")
        rid = given if _REQUEST_ID.fullmatch(given) else str(uuid.uuid4())
        request.state.request_id = rid
        with correlated(rid):  # every log line of the request carries it
            response = await call_next(request)
        response.headers[HEADER_REQUEST_ID] = rid
        return response


def internal_auth(expected_token: str) -> Any:
    """Services accept calls from the gateway only: a shared internal token."""

    async def check(x_internal_token: Annotated[str | None, Header()] = None) -> None:
        if not x_internal_token or not hmac.compare_digest(x_internal_token, expected_token):
            raise HTTPException(401, "Missing or wrong internal token; call through the gateway.")

    return check


async def current_principal(request: Request) -> Principal:
    h = request.headers
    subject, csn = h.get(HEADER_SUBJECT), h.get(HEADER_CSN)
    if not subject or not csn:
        raise HTTPException(401, "No principal: call through the gateway.")
    roles = frozenset(
        Role(r) for r in h.get(HEADER_ROLES, "").split(",") if r in Role._value2member_map_
    )
    return Principal(subject=subject, csn=csn, roles=roles, partner_csn=h.get(HEADER_PARTNER))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or uuid.uuid4())
