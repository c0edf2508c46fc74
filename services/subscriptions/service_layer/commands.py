"""What callers ask of the subscriptions service: imperative, plain data. Handlers take
`(cmd, uow)`; an HTTP route or a periodic job builds the command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.subscriptions.domain.values import Term


@dataclass(frozen=True)
class RequestDueRenewals:
    """The renewal sweep (R-SUB-5)."""

    batch_size: int = 200


@dataclass(frozen=True)
class RequestUnansweredRenewalsAgain:
    """Reconciliation (issue 16)."""

    unanswered_after: timedelta
    batch_size: int = 200


@dataclass(frozen=True)
class ExpireLapsedSubscriptions:
    """The expiry sweep (R-SUB-13)."""

    grace_days: int
    batch_size: int


@dataclass(frozen=True)
class SetAutoRenew:
    csn: str
    changed_by: str
    subscription_ids: list[str]
    auto_renew: bool


@dataclass(frozen=True)
class LinkPaymentMethod:
    csn: str
    payment_method_id: str
    subscription_ids: list[str]


@dataclass(frozen=True)
class ChangeTerm:
    csn: str
    subscription_id: str
    term: Term


@dataclass(frozen=True)
class ChangeSeats:
    csn: str
    placed_by: str
    subscription_id: str
    seats: int
    payment_method_id: str | None
    preview: bool = False  # a preview places no order and changes nothing


@dataclass(frozen=True)
class GroupRenewals:
    csn: str
    subscription_ids: list[str]


@dataclass(frozen=True)
class CreateRenewalCart:
    csn: str
    created_by: str
    subscription_ids: list[str]


@dataclass(frozen=True)
class CheckOutRenewalCart:
    csn: str
    placed_by: str
    cart_id: str
    payment_method_id: str | None
