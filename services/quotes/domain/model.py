"""Quotes (R-QUO-*): the foundation keeps their header only; issue #4 adds lines and rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class QuoteOrigin(StrEnum):
    PARTNER = "partner"
    SELF_SERVICE = "self_service"
    AUTOMATIC = "automatic"


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class Quote:
    id: str
    csn: str
    origin: QuoteOrigin
    status: QuoteStatus
    currency: str
    total: int
    expiry_date: date
    partner_csn: str | None = None

    def is_active(self, today: date) -> bool:
        """Listed as active: not yet converted, cancelled or past its expiry (R-QUO-1)."""
        return self.status in (QuoteStatus.DRAFT, QuoteStatus.SENT) and self.expiry_date >= today
