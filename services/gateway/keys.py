"""The keys the gateway trusts to verify bearer tokens.

Production: RS256 public keys of the identity provider, as a JWKS file (keys chosen by the
token's `kid`) and/or a list of PEM public keys (each known by its RFC 7638 thumbprint as
`kid`). Development and tests: an HS256 shared secret as well.

PyJWT verifies RS256 with the `cryptography` package; where it is not installed (this
project's lock file does not carry it), `RS256Verifier` stands in: RSASSA-PKCS1-v1_5 with
SHA-256 (RFC 8017 §8.2.2) by re-encoding the expected block and comparing it byte for byte —
the decrypted signature is never parsed, which is what keeps it safe from forgeries that
exploit lax parsing. It verifies only; it never signs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwt.algorithms import Algorithm, has_crypto
from jwt.exceptions import InvalidKeyError

log = logging.getLogger(__name__)

MIN_RSA_BITS = 2048
_RSA_OID = bytes.fromhex("06092a864886f70d010101")  # 1.2.840.113549.1.1.1 rsaEncryption
# DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class UnusableKey(ValueError):
    """A configured key cannot be used (startup fails with this message)."""


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


@dataclass(frozen=True)
class RsaPublicKey:
    n: int
    e: int
    kid: str

    def __post_init__(self) -> None:
        if self.n.bit_length() < MIN_RSA_BITS:
            raise UnusableKey(f"RSA key {self.kid}: at least {MIN_RSA_BITS} bits are required")
        if self.e < 3 or self.e % 2 == 0 or self.e >= self.n:
            raise UnusableKey(f"RSA key {self.kid}: invalid public exponent")

    @property
    def size_bytes(self) -> int:
        return (self.n.bit_length() + 7) // 8

    @staticmethod
    def thumbprint(n: int, e: int) -> str:
        """RFC 7638 JWK thumbprint: the `kid` of a key configured as PEM."""
        canonical = json.dumps(
            {"e": b64url_encode(_int_bytes(e)), "kty": "RSA", "n": b64url_encode(_int_bytes(n))},
            separators=(",", ":"),
            sort_keys=True,
        )
        return b64url_encode(hashlib.sha256(canonical.encode()).digest())

    @classmethod
    def from_pem(cls, pem: str) -> RsaPublicKey:
        n, e = _rsa_numbers_from_pem(pem)
        return cls(n=n, e=e, kid=cls.thumbprint(n, e))

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> RsaPublicKey:
        try:
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        except (KeyError, TypeError, ValueError) as exc:
            raise UnusableKey(f"JWK without a valid n/e: {exc!r}") from exc
        return cls(n=n, e=e, kid=str(jwk.get("kid") or cls.thumbprint(n, e)))


# --- minimal strict DER reading (public keys only) --------------------------------------------
def _tlv(data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
    """One DER element of the expected tag at `pos`: (its value, the position after it)."""
    if pos + 2 > len(data) or data[pos] != tag:
        raise UnusableKey("not a DER-encoded RSA public key")
    length, pos = data[pos + 1], pos + 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4 or pos + count > len(data):
            raise UnusableKey("bad DER length")
        length, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
    if pos + length > len(data):
        raise UnusableKey("truncated DER element")
    return data[pos : pos + length], pos + length


def _rsa_public_key_der(der: bytes) -> tuple[int, int]:
    """PKCS#1 RSAPublicKey: SEQUENCE { modulus INTEGER, publicExponent INTEGER }."""
    seq, end = _tlv(der, 0, 0x30)
    if end != len(der):
        raise UnusableKey("trailing data after the RSA public key")
    n_raw, pos = _tlv(seq, 0, 0x02)
    e_raw, pos = _tlv(seq, pos, 0x02)
    if pos != len(seq):
        raise UnusableKey("unexpected data in the RSA public key")
    return int.from_bytes(n_raw, "big"), int.from_bytes(e_raw, "big")


def _rsa_numbers_from_pem(pem: str) -> tuple[int, int]:
    lines = [ln.strip() for ln in pem.strip().splitlines() if ln.strip()]
    if (
        len(lines) < 3
        or not lines[0].startswith("-----BEGIN ")
        or not lines[-1].startswith("-----END ")
    ):
        raise UnusableKey("not a PEM block")
    label = lines[0].removeprefix("-----BEGIN ").removesuffix("-----")
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError as exc:
        raise UnusableKey(f"bad base64 in PEM: {exc}") from exc
    if label == "RSA PUBLIC KEY":
        return _rsa_public_key_der(der)
    if label != "PUBLIC KEY":
        raise UnusableKey(f"expected a PUBLIC KEY PEM block, got {label!r} (never a private key)")
    spki, end = _tlv(der, 0, 0x30)  # SubjectPublicKeyInfo
    if end != len(der):
        raise UnusableKey("trailing data after the public key")
    algorithm, pos = _tlv(spki, 0, 0x30)
    if not algorithm.startswith(_RSA_OID):
        raise UnusableKey("only RSA public keys are supported")
    bits, _ = _tlv(spki, pos, 0x03)
    if not bits or bits[0] != 0:
        raise UnusableKey("bad BIT STRING in the public key")
    return _rsa_public_key_der(bits[1:])


class RS256Verifier(Algorithm):
    """RSASSA-PKCS1-v1_5 + SHA-256 verification for PyJWT without `cryptography`."""

    hash_alg = hashlib.sha256

    def prepare_key(self, key: Any) -> RsaPublicKey:
        if not isinstance(key, RsaPublicKey):
            raise InvalidKeyError("RS256 needs an RsaPublicKey")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        raise NotImplementedError("the gateway verifies tokens; it never signs RS256")

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        k = key.size_bytes
        s = int.from_bytes(sig, "big")
        if len(sig) != k or s >= key.n:
            return False
        encoded = pow(s, key.e, key.n).to_bytes(k, "big")
        t = _SHA256_DIGEST_INFO + hashlib.sha256(msg).digest()
        expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
        return hmac.compare_digest(encoded, expected)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        jwk = {
            "kty": "RSA",
            "kid": key_obj.kid,
            "n": b64url_encode(_int_bytes(key_obj.n)),
            "e": b64url_encode(_int_bytes(key_obj.e)),
        }
        return jwk if as_dict else json.dumps(jwk)

    @staticmethod
    def from_jwk(jwk: Any) -> RsaPublicKey:
        return RsaPublicKey.from_jwk(json.loads(jwk) if isinstance(jwk, str) else jwk)


def rs256_algorithm() -> Algorithm | None:
    """The stand-in when PyJWT has no RSA support of its own; None when it has."""
    return None if has_crypto else RS256Verifier()


def verification_key(key: RsaPublicKey) -> Any:
    """What PyJWT's RS256 expects: our key object for the stand-in, a PEM-less JWK otherwise."""
    if not has_crypto:
        return key
    from jwt.algorithms import RSAAlgorithm  # pragma: no cover - only with `cryptography`

    return RSAAlgorithm.from_jwk(RS256Verifier.to_jwk(key))  # pragma: no cover


@dataclass
class KeyRing:
    """HS256 secret (dev/test only) and RS256 public keys by `kid`."""

    hs256_secret: str | None = None
    pem_keys: list[RsaPublicKey] = field(default_factory=list)
    jwks_file: Path | None = None
    _jwks_keys: dict[str, RsaPublicKey] = field(default_factory=dict)
    _jwks_mtime: float | None = None

    @classmethod
    def build(
        cls, *, hs256_secret: str | None, pem_keys: list[str], jwks_file: Path | None
    ) -> KeyRing:
        ring = cls(
            hs256_secret=hs256_secret,
            pem_keys=[RsaPublicKey.from_pem(p) for p in pem_keys],
            jwks_file=jwks_file,
        )
        if jwks_file is not None:
            ring._load_jwks()
        return ring

    def _load_jwks(self) -> None:
        assert self.jwks_file is not None
        try:
            mtime = os.stat(self.jwks_file).st_mtime
            document = json.loads(self.jwks_file.read_text())
        except (OSError, ValueError) as exc:
            raise UnusableKey(f"cannot read JWKS file {self.jwks_file}: {exc}") from exc
        keys: dict[str, RsaPublicKey] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("alg", "RS256") != "RS256":
                continue
            key = RsaPublicKey.from_jwk(jwk)
            keys[key.kid] = key
        self._jwks_keys, self._jwks_mtime = keys, mtime

    def refresh(self) -> None:
        """Re-read the JWKS file when it changed (key rotation without a restart)."""
        if self.jwks_file is None:
            return
        try:
            changed = os.stat(self.jwks_file).st_mtime != self._jwks_mtime
        except OSError:
            return
        if changed:
            try:
                self._load_jwks()
            except UnusableKey as exc:  # keep the keys we have; a half-written file is transient
                log.warning("JWKS file not reloaded: %s", exc)

    @property
    def rsa_keys(self) -> dict[str, RsaPublicKey]:
        return {**{k.kid: k for k in self.pem_keys}, **self._jwks_keys}

    def rsa_candidates(self, kid: str | None) -> list[RsaPublicKey]:
        """The key named by `kid`, or every key when the token names none."""
        keys = self.rsa_keys
        if kid is None:
            return list(keys.values())
        if kid not in keys:
            self.refresh()
            keys = self.rsa_keys
        return [keys[kid]] if kid in keys else []
