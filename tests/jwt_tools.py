"""RS256 tokens signed in tests with the test-only keys of tests/fixtures/jwt (pure Python:
RSASSA-PKCS1-v1_5 + SHA-256, RFC 8017 §8.2.1), as an identity provider would sign them."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "jwt"
JWKS_FILE = FIXTURES / "jwks.json"
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def signing_key(name: str) -> dict[str, Any]:
    keys = json.loads((FIXTURES / "test-keys.json").read_text())["keys"]
    return next(k for k in keys if k["kid"] == name)


def public_pem(name: str) -> str:
    return (FIXTURES / f"{name}.public.pem").read_text()


def claims_for(
    subject: str = "alice@acme.example",
    csn: str = "5100000001",
    roles: list[str] | None = None,
    *,
    audience: str = "billing-orders",
    issuer: str = "billing-orders-dev",
    ttl: int = 86_400,  # tokens are made at collection; a long suite must not outlive them
    **extra: Any,
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": subject,
        "csn": csn,
        "roles": ["primary_admin"] if roles is None else roles,
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl,
        **extra,
    }


def rs256_token(claims: dict[str, Any], key: str = "idp-a", *, kid: str | None = "") -> str:
    """Sign with a test key; kid "" means the key's own kid, None means no kid header."""
    jwk = signing_key(key)
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid or jwk["kid"]
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":")).encode())
    )
    n, d = _int(jwk["n"]), _int(jwk["d"])
    k = (n.bit_length() + 7) // 8
    t = _SHA256_DIGEST_INFO + hashlib.sha256(signing_input.encode()).digest()
    encoded = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    signature = pow(int.from_bytes(encoded, "big"), d, n).to_bytes(k, "big")
    return f"{signing_input}.{_b64(signature)}"
