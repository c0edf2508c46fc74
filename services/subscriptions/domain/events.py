"""What happened to a subscription or a cart, as the aggregate records it. The service layer
maps each one to the published event (service_layer/messages.py); a `NewVersion` of a
subscription becomes its `subscription-changed` snapshot."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from services.subscriptions.domain.values import Renewal, SeatChange, Term


@dataclass(frozen=True)
class RenewalRequested:
    """The sweep asks for this term's renewal invoice, charged automatically (R-SUB-5)."""

    renewal: Renewal


@dataclass(frozen=True)
class Renewed:
    """The renewal invoice was paid: the subscription runs one more term (R-SUB-12)."""

    renewal_id: uuid.UUID | None
    invoice_id: str
    term: Term
    seats: int
    previous_renewal_date: date
    renewal_date: date


@dataclass(frozen=True)
class Expired:
    """Past its renewal date unrenewed (R-SUB-13)."""

    expired_on: date


@dataclass(frozen=True)
class AutoRenewSet:
    auto_renew: bool
    changed_by: str
    batch_id: uuid.UUID | None


@dataclass(frozen=True)
class SeatsChanged:
    change: SeatChange
    term: Term
    unit_price_amount: int
    payment_method_id: str | None
    placed_by: str


@dataclass(frozen=True)
class RenewalOrderPlaced:
    """A renewal cart was checked out: one order for its group (R-SUB-11)."""

    placed_by: str
