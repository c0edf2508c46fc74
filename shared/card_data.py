"""Recognising card data, so that it is refused at the door and never stored, logged or
published, whatever field it was typed into (R-PAY-1).

A card number (PAN) is a Luhn-valid run of 13 to 19 digits, written plain or in the usual
groups (4-4-4-4[-3], 4-6-5, 4-6-4). A run glued to letters or digits (a hex id, a longer
number) is not one: that keeps ids and hashes from being mistaken for cards.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shared.errors import DomainError

_PAN = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5})"
    r"(?![0-9A-Za-z])"
)
# Field names that carry a card number or a security code, compared without case or separators.
SENSITIVE_FIELDS = frozenset(
    {
        "number",
        "cardnumber",
        "pan",
        "cvc",
        "cvc2",
        "cvv",
        "cvv2",
        "cvn",
        "csc",
        "cid",
        "securitycode",
        "cardcode",
        "cardverificationcode",
        "verificationcode",
    }
)
_SECURITY_CODE_TEXT = re.compile(
    r"(?i)(?<![a-z])(cvc2?|cvv2?|cvn|csc|security[ _-]?code|card[ _-]?code)(?![a-z])\W{0,6}\d{3,4}(?!\d)"
)


def luhn_valid(digits: str) -> bool:
    """The check digit card numbers carry (ISO/IEC 7812)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    """Every Luhn-valid 13-19 digit run in `text`, separators removed."""
    found = []
    for match in _PAN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found.append(digits)
    return found


def security_codes_in(text: str) -> list[str]:
    """A security code written next to its name ('cvc: 123', '"cvv2":"1234"')."""
    return [m.group(1) for m in _SECURITY_CODE_TEXT.finditer(text)]


def _field_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        names = {re.sub(r"[^a-z0-9]", "", str(k).lower()) for k in value}
        for v in value.values():
            names |= _field_names(v)
        return names
    if isinstance(value, list):
        return set().union(*(_field_names(v) for v in value)) if value else set()
    return set()


def carries_card_data(body: str) -> bool:
    """A request body with a card number anywhere, or a field meant for one or for a security
    code, whatever its value (R-PAY-1)."""
    if card_numbers_in(body) or security_codes_in(body):
        return True
    try:
        parsed = json.loads(body) if body.strip() else None
    except ValueError:
        return False
    return bool(_field_names(parsed) & SENSITIVE_FIELDS)


class CardDataRefused(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "card_data_refused",
            "Card numbers and security codes are never sent to us, in any field (R-PAY-1): to "
            "pay by card, enter it in the payment provider's form and send the token it "
            "returns as provider_token.",
            status=422,
        )
