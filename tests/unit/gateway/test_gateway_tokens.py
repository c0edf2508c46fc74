"""Bearer tokens: who may call the gateway, proven by the identity provider's signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
from pathlib import Path

import jwt
import pytest

from services.gateway.auth import Unauthenticated, issue_token, keyring, verify_token
from services.gateway.config import DEV_JWT_SECRET, GatewaySettings
from services.gateway.keys import RsaPublicKey, UnusableKey
from shared.principal import Role
from tests.jwt_tools import FIXTURES, JWKS_FILE, claims_for, public_pem, rs256_token

PROD = {"environment": "prod", "internal_token": "a-real-internal-secret-0123456789abcdef"}


def prod_settings(**kw: object) -> GatewaySettings:
    return GatewaySettings(**{**PROD, "jwt_jwks_file": JWKS_FILE, **kw})  # type: ignore[arg-type]


def verify(settings: GatewaySettings, token: str):  # type: ignore[no-untyped-def]
    return verify_token(settings, keyring(settings), token)


def test_dev_token_carries_subject_account_roles_and_partner() -> None:
    settings = GatewaySettings(environment="dev")
    token = issue_token(
        settings,
        subject="pat@partner.example",
        csn="5100000001",
        roles=["partner"],
        partner_csn="7700000001",
    )
    p = verify(settings, token)
    assert (p.subject, p.csn, p.roles, p.partner_csn) == (
        "pat@partner.example",
        "5100000001",
        frozenset({Role.PARTNER}),
        "7700000001",
    )


def test_rs256_token_is_verified_with_the_jwks_key_its_kid_names() -> None:
    p = verify(prod_settings(), rs256_token(claims_for(roles=["buyer"]), "idp-a"))
    assert p.csn == "5100000001" and p.roles == frozenset({Role.BUYER})


def test_rs256_pem_key_is_known_by_its_thumbprint_or_tried_when_the_token_names_no_kid() -> None:
    settings = prod_settings(jwt_jwks_file=None, jwt_public_keys=[public_pem("idp-b")])
    kid = RsaPublicKey.from_pem(public_pem("idp-b")).kid
    assert verify(settings, rs256_token(claims_for(), "idp-b", kid=kid)).subject
    assert verify(settings, rs256_token(claims_for(), "idp-b", kid=None)).subject


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (rs256_token(claims_for(), "stranger", kid="idp-a"), "signature"),
        (rs256_token(claims_for(), "stranger"), "unknown signing key"),
        (rs256_token(claims_for(audience="another-app")), "audience"),
        (rs256_token(claims_for(issuer="https://evil.example")), "issuer"),
        (rs256_token(claims_for(ttl=-3600)), "expired"),
        (rs256_token({k: v for k, v in claims_for().items() if k != "csn"}), "csn"),
        (rs256_token(claims_for(roles=["partner"])), "partner_csn"),
        (rs256_token(claims_for(csn="51000'; drop")), "bad claims"),
    ],
)
def test_rs256_token_is_refused_when_it_is_not_exactly_right(token: str, why: str) -> None:
    with pytest.raises(Unauthenticated) as refused:
        verify(prod_settings(), token)
    assert why.lower() in refused.value.message.lower() and refused.value.status == 401


def test_a_tampered_payload_fails_the_signature() -> None:
    header, _, signature = rs256_token(claims_for(roles=["user"])).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims_for(roles=["primary_admin"])).encode())
    with pytest.raises(Unauthenticated, match="signature"):
        verify(prod_settings(), f"{header}.{forged.rstrip(b'=').decode()}.{signature}")


def test_hs256_and_none_tokens_are_refused_in_prod() -> None:
    """Even one signed with the dev secret, or with the public key used as an HMAC secret."""
    settings = prod_settings()
    dev = issue_token(GatewaySettings(), subject="a", csn="5100000001", roles=["primary_admin"])
    confused = _hs256(claims_for(), public_pem("idp-a").encode())
    unsigned = jwt.encode(claims_for(), None, algorithm="none")  # type: ignore[arg-type]
    for token in (dev, confused, unsigned):
        with pytest.raises(Unauthenticated, match="use RS256"):
            verify(settings, token)


def _hs256(claims: dict[str, object], secret: bytes) -> str:
    """Signed by hand: PyJWT itself refuses a PEM as an HMAC secret."""
    enc = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=")  # noqa: E731
    signing_input = enc(b'{"alg":"HS256","typ":"JWT"}') + b"." + enc(json.dumps(claims).encode())
    mac = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + enc(mac)).decode()


def test_prod_settings_refuse_hs256_secrets_and_dev_defaults() -> None:
    with pytest.raises(ValueError, match="dev/test only"):
        prod_settings(jwt_secret="x" * 40)
    with pytest.raises(ValueError, match="JWT_JWKS_FILE or JWT_PUBLIC_KEYS"):
        GatewaySettings(**PROD)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="INTERNAL_TOKEN"):
        prod_settings(internal_token="dev-internal-token")
    with pytest.raises(ValueError, match="DEV_CLOCK_ENABLED"):
        prod_settings(dev_clock_enabled=True)
    with pytest.raises(ValueError, match="at least 32"):
        GatewaySettings(jwt_secret="short")
    assert prod_settings().hs256_secret is None
    assert GatewaySettings(environment="test").hs256_secret == DEV_JWT_SECRET


def test_dev_tokens_are_not_issued_in_prod() -> None:
    with pytest.raises(RuntimeError):
        issue_token(prod_settings(), subject="a", csn="1", roles=[])


def test_unknown_roles_grant_nothing() -> None:
    p = verify(prod_settings(), rs256_token(claims_for(roles=["superuser", "buyer"])))
    assert p.roles == frozenset({Role.BUYER})


def test_a_rotated_jwks_file_is_picked_up_without_a_restart(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(JWKS_FILE.read_text())
    settings = prod_settings(jwt_jwks_file=jwks)
    keys = keyring(settings)
    new_key = RsaPublicKey.from_pem(public_pem("idp-b"))
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        verify_token(settings, keys, rs256_token(claims_for(), "idp-b", kid="idp-b-2027"))
    document = json.loads(jwks.read_text())
    document["keys"].append({**json.loads(json.dumps(_public_jwk(new_key))), "kid": "idp-b-2027"})
    jwks.write_text(json.dumps(document))
    os.utime(jwks, (1, 1))  # a different mtime, whatever the filesystem's resolution
    assert verify_token(settings, keys, rs256_token(claims_for(), "idp-b", kid="idp-b-2027"))


def _public_jwk(key: RsaPublicKey) -> dict[str, str]:
    from services.gateway.keys import RS256Verifier

    return RS256Verifier.to_jwk(key, as_dict=True)  # type: ignore[no-any-return]


def test_private_keys_short_keys_and_garbage_are_refused_at_start_up() -> None:
    with pytest.raises(UnusableKey, match="never a private key"):
        keyring(prod_settings(jwt_public_keys=[(FIXTURES / "idp-a.private.pem").read_text()]))
    with pytest.raises(UnusableKey, match="2048"):
        RsaPublicKey(n=(1 << 1023) + 1, e=65537, kid="short")
    with pytest.raises(UnusableKey):
        keyring(
            prod_settings(
                jwt_public_keys=["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
            )
        )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_a_token_signed_by_openssl_is_accepted(tmp_path: Path) -> None:
    """Cross-check of the RS256 verifier against an independent signer."""
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"idp-a"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims_for()).encode()).rstrip(b"=")
    signing_input = header + b"." + payload
    (tmp_path / "in").write_bytes(signing_input)
    signature = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-sign",
            str(FIXTURES / "idp-a.private.pem"),
            str(tmp_path / "in"),
        ],
        check=True,
        capture_output=True,
    ).stdout
    token = (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()
    assert verify(prod_settings(), token).subject == "alice@acme.example"
