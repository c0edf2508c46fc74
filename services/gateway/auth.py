"""Bearer JWT verification: subject, customer account (CSN), roles, partner CSN.

RS256 tokens of the identity provider are verified against the configured public keys (the
token's `kid` picks one); HS256 tokens only in dev/test (`make token`). Audience, issuer and
expiry are always checked."""

from __future__ import annotations

import time
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.gateway.config import GatewaySettings
from services.gateway.keys import KeyRing, rs256_algorithm, verification_key
from shared.errors import DomainError
from shared.principal import Principal, Role

bearer = HTTPBearer(
    auto_error=False, description="JWT from the identity provider (`make token` in dev)"
)

# PyJWT's own decoder, with RS256 verification added when it lacks `cryptography`.
_decoder = jwt.PyJWT()
if (_rs256 := rs256_algorithm()) is not None:
    _decoder._jws.register_algorithm("RS256", _rs256)


class Unauthenticated(DomainError):
    status = 401

    def __init__(self, message: str) -> None:
        super().__init__("unauthenticated", message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="billing-orders"'}


class Claims(BaseModel):
    """What a token must say about its bearer."""

    model_config = ConfigDict(extra="ignore")

    sub: str = Field(min_length=1, max_length=200)
    csn: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    roles: list[str] = Field(default_factory=list, max_length=20)
    partner_csn: str | None = Field(default=None, min_length=1, max_length=32)


def keyring(settings: GatewaySettings) -> KeyRing:
    return KeyRing.build(
        hs256_secret=settings.hs256_secret,
        pem_keys=settings.jwt_public_keys,
        jwks_file=settings.jwt_jwks_file,
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
    """Dev tokens only (HS256): production tokens come from the identity provider."""
    secret = settings.hs256_secret
    if secret is None:
        raise RuntimeError("dev tokens are issued in dev/test only")
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
    return jwt.encode(claims, secret, algorithm="HS256")


def _candidate_keys(keys: KeyRing, header: dict[str, Any]) -> tuple[str, list[Any]]:
    alg, kid = header.get("alg"), header.get("kid")
    if alg == "HS256" and keys.hs256_secret:
        return alg, [keys.hs256_secret]
    if alg == "RS256":
        candidates = keys.rsa_candidates(kid if isinstance(kid, str) else None)
        if not candidates:
            raise Unauthenticated(f"Invalid token: unknown signing key {kid!r}.")
        return alg, [verification_key(k) for k in candidates]
    raise Unauthenticated(f"Invalid token: algorithm {alg!r} is not accepted; use RS256.")


def verify_token(settings: GatewaySettings, keys: KeyRing, token: str) -> Principal:
    try:
        alg, candidates = _candidate_keys(keys, jwt.get_unverified_header(token))
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"Invalid token: {exc}.") from exc
    claims: dict[str, Any] | None = None
    for key in candidates:  # several only for a token without `kid`
        try:
            claims = _decoder.decode(
                token,
                key,
                algorithms=[alg],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                leeway=settings.jwt_leeway_seconds,
                options={"require": ["sub", "csn", "exp", "aud", "iss"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"Invalid token: {exc}.") from exc
    if claims is None:
        raise Unauthenticated("Invalid token: signature verification failed.")
    return principal_of(claims)


def principal_of(claims: dict[str, Any]) -> Principal:
    try:
        c = Claims.model_validate(claims)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise Unauthenticated(f"Invalid token: bad claims ({fields}).") from exc
    # Roles of other applications may share the token: they grant nothing here.
    roles = frozenset(Role(r) for r in c.roles if r in Role._value2member_map_)
    if Role.PARTNER in roles and not c.partner_csn:
        raise Unauthenticated("Invalid token: a partner token must carry partner_csn.")
    return Principal(subject=c.sub, csn=c.csn, roles=roles, partner_csn=c.partner_csn)


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("Send a bearer token: Authorization: Bearer <jwt>.")
    principal = verify_token(
        request.app.state.settings, request.app.state.keys, credentials.credentials
    )
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticated)]
