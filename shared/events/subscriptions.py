"""Events the subscriptions service publishes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Collection, EventData, MoneyField, Term

SubscriptionStatus = Literal["trial", "active", "expired", "cancelled"]
PurchaseMethod = Literal["online_direct", "partner", "quote"]


class RenewalRequested(EventData):
    """A subscription is due and asks to be renewed for one more term (R-SUB-5)."""

    topic: ClassVar[str] = "renewal-requested"
    renewal_id: uuid.UUID = Field(description="Stable id of this renewal of this term")
    subscription_id: str
    csn: str = Field(description="Customer serial number of the account")
    team_id: str
    product_code: str
    product_name: str
    seats: int = Field(ge=1)
    term: Term
    unit_price: MoneyField = Field(description="Price of one seat for one term")
    period_start: date = Field(description="Old renewal date: the new term starts here (R-SUB-12)")
    period_end: date = Field(description="New renewal date, one term after period_start")
    payment_method_id: str | None
    collection: Collection = Field(description="automatic: charge the saved method")

    def aggregate_key(self) -> str:
        return self.subscription_id


class RenewalOrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    renewal_id: uuid.UUID = Field(description="Stable id of this renewal of this term")
    subscription_id: str
    team_id: str
    product_code: str
    product_name: str
    seats: int = Field(ge=1)
    term: Term
    unit_price: MoneyField = Field(description="Price of one seat for one term")
    period_start: date = Field(description="Current renewal date; never moves (R-SUB-12)")
    period_end: date


class RenewalOrderPlaced(EventData):
    """A customer completed a manual renewal cart (R-SUB-10) or one bulk group (R-SUB-11):
    one order, one invoice, all lines in one CSN, currency and purchase method."""

    topic: ClassVar[str] = "renewal-order-placed"
    order_id: uuid.UUID
    csn: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    purchase_method: PurchaseMethod
    collection: Collection = Field(description="automatic: charge payment_method_id now")
    payment_method_id: str | None
    placed_by: str = Field(description="Subject of the person who placed the order")
    lines: list[RenewalOrderLine] = Field(min_length=1, max_length=100)

    def aggregate_key(self) -> str:
        return str(self.order_id)


class SubscriptionRenewed(EventData):
    """The renewal invoice was paid: the renewal date moved one term from the old date
    (R-SUB-12), with any pending term and seat changes applied (R-SUB-8, R-SEAT-3)."""

    topic: ClassVar[str] = "subscription-renewed"
    subscription_id: str
    csn: str
    renewal_id: uuid.UUID | None
    invoice_id: str
    term: Term
    seats: int
    previous_renewal_date: date
    renewal_date: date

    def aggregate_key(self) -> str:
        return self.subscription_id


class SubscriptionExpired(EventData):
    """Passed its renewal date without being renewed (R-SUB-13); never reactivated (R-SUB-7)."""

    topic: ClassVar[str] = "subscription-expired"
    subscription_id: str
    csn: str
    product_code: str
    expired_on: date = Field(description="The renewal date that passed")

    def aggregate_key(self) -> str:
        return self.subscription_id


class SeatsChanged(EventData):
    """Seats added now (charged pro rata for the rest of the term, R-SEAT-2) or reduced at
    the next renewal (R-SEAT-3)."""

    topic: ClassVar[str] = "seats-changed"
    subscription_id: str
    csn: str
    change: Literal["added", "reduced"]
    previous_seats: int = Field(ge=0)
    seats: int = Field(ge=1, description="The new count")
    effective_on: date = Field(description="Today when added; the renewal date when reduced")
    order_id: uuid.UUID | None = Field(description="The seats order, when seats were added")
    product_code: str
    product_name: str
    term: Term
    unit_price: MoneyField = Field(description="Price of one seat for one full term")
    prorated_amount: MoneyField | None = Field(
        description="Charge before tax for the added seats, for period_start..period_end"
    )
    period_start: date | None = None
    period_end: date | None = None
    payment_method_id: str | None
    placed_by: str | None = Field(
        default=None, description="Subject of the person who changed the seats"
    )

    def aggregate_key(self) -> str:
        return self.subscription_id


class AutoRenewChanged(EventData):
    """Auto-renew turned on or off, alone or in a bulk change of up to 100 (R-SUB-4)."""

    topic: ClassVar[str] = "auto-renew-changed"
    subscription_id: str
    csn: str
    auto_renew: bool
    changed_by: str
    batch_id: uuid.UUID | None = Field(default=None, description="Set for a bulk change (R-SUB-4)")

    def aggregate_key(self) -> str:
        return self.subscription_id


class SubscriptionChanged(EventData):
    """Snapshot after every change (event-carried state): other services keep a projection
    of what they need (payments: upcoming payments; quotes: eligibility)."""

    topic: ClassVar[str] = "subscription-changed"
    subscription_id: str
    csn: str
    contract_id: str | None
    team_id: str
    product_code: str
    product_name: str
    status: SubscriptionStatus
    seats: int
    seats_at_renewal: int = Field(description="Lower when a reduction is pending (R-SEAT-3)")
    term: Term
    term_at_renewal: Term = Field(description="Differs when a term change is pending (R-SUB-8)")
    unit_price: MoneyField = Field(description="Price of one seat for one current term")
    renewal_amount: MoneyField = Field(description="Next renewal before tax")
    auto_renew: bool
    start_date: date
    renewal_date: date
    purchase_method: PurchaseMethod
    payment_method_id: str | None
    collection: Collection = Field(description="manual when the method needs manual renewal")
    partner_csn: str | None
    payment_error: str | None

    def aggregate_key(self) -> str:
        return self.subscription_id


CONTRACTS: tuple[type[EventData], ...] = (
    RenewalRequested,
    RenewalOrderPlaced,
    SubscriptionRenewed,
    SubscriptionExpired,
    SeatsChanged,
    AutoRenewChanged,
    SubscriptionChanged,
)
