"""Bearer JWT verification: subject, customer account (CSN), roles, partner CSN."""

from __future__ import annotations

import time
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.gateway.config import GatewaySettings
from shared.principal import Principal, Role

bearer = HTTPBearer(
    auto_error=False, description="JWT from the identity provider (`make token` in dev)"
)


def issue_token(
    settings: GatewaySettings,
    *,
    subject: str,
    csn: str,
    roles: list[str],
    partner_csn: str | None = None,
    ttl_seconds: int = 12 * 3600,
) -> str:
    """Dev tokens only: production tokens come from the identity provider."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "csn": csn,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
    }
    if partner_csn:
        claims["partner_csn"] = partner_csn
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def verify_token(settings: GatewaySettings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "csn", "exp"]},
        )
    except jwt.PyJWTError as exc:
        raise HTTPException(401, f"Invalid token: {exc}") from exc
    try:
        roles = frozenset(Role(r) for r in claims.get("roles", []))
    except ValueError as exc:
        raise HTTPException(401, f"Invalid token: unknown role ({exc})") from exc
    return Principal(
        subject=str(claims["sub"]),
        csn=str(claims["csn"]),
        roles=roles,
        partner_csn=claims.get("partner_csn"),
    )


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "Send a bearer token: Authorization: Bearer <jwt>.")
    settings: GatewaySettings = request.app.state.settings
    return verify_token(settings, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(authenticated)]
