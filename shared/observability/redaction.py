"""Nothing secret or card-like in a log line (R-PAY-1): card numbers, security codes, bearer
tokens and JWTs are masked wherever they appear, and fields named like a secret are dropped."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from shared.card_data import _PAN as _PAN_LIKE  # the one definition of a card number's shape
from shared.card_data import luhn_valid

REDACTED = "[redacted]"
# Compared without case or separators: `X-Internal-Token`, `provider_token`, `Authorization`...
SECRET_FIELDS = frozenset(
    {
        "authorization",
        "password",
        "secret",
        "token",
        "accesstoken",
        "idtoken",
        "refreshtoken",
        "providertoken",
        "internaltoken",
        "xinternaltoken",
        "jwt",
        "jwtsecret",
        "apikey",
        "cookie",
        "setcookie",
        "cardnumber",
        "pan",
        "cvc",
        "cvv",
        "securitycode",
    }
)
_SECURITY_CODE = re.compile(
    r"(?i)(?<![a-z])(cvc2?|cvv2?|cvn|csc|security[ _-]?code|card[ _-]?code)(?![a-z])(\W{0,6})\d{3,4}(?!\d)"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")


def _mask_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[card number redacted]" if luhn_valid(digits) else match.group()


def redact_text(text: str) -> str:
    """`text` with card numbers, security codes, bearer tokens and JWTs masked."""
    if not any(c.isdigit() for c in text) and "eyJ" not in text and "earer" not in text:
        return text  # most lines: nothing to look for
    text = _PAN_LIKE.sub(_mask_pan, text)
    text = _SECURITY_CODE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _JWT.sub(REDACTED, text)


def is_secret_field(name: str) -> bool:
    return re.sub(r"[^a-z0-9]", "", name.lower()) in SECRET_FIELDS


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if is_secret_field(str(k)) else redact_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def redact_secrets(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: the last one before rendering, so tracebacks are masked too."""
    return redact_value(dict(event_dict))  # type: ignore[no-any-return]
