"""What people ask the quotes service to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass

from services.quotes.domain.drafting import QuoteRequest
from services.quotes.domain.model import Address
from shared.principal import Principal


@dataclass(frozen=True)
class Caller:
    """Who asks: a person of the customer account, or a partner acting for that customer."""

    principal: Principal
    as_partner: bool = False

    @property
    def csn(self) -> str:
        return self.principal.csn

    @property
    def partner_csn(self) -> str | None:
        """Set for a partner: it only sees the quotes it made and the subscriptions it is agent
        of record of (R-QUO-3)."""
        return self.principal.partner_csn if self.as_partner else None


@dataclass(frozen=True)
class GroupForRenewalQuote:
    caller: Caller
    subscription_ids: list[str]


@dataclass(frozen=True)
class CreateQuote:
    caller: Caller
    request: QuoteRequest
    recipients: list[str]
    validity_days: int


@dataclass(frozen=True)
class ChangeQuote:
    caller: Caller
    quote_id: str
    request: QuoteRequest  # lines empty: keep the quote's lines
    replace_lines: bool
    recipients: list[str] | None = None
    billing_address: Address | None = None


@dataclass(frozen=True)
class SendQuote:
    caller: Caller
    quote_id: str


@dataclass(frozen=True)
class AcceptQuote:
    caller: Caller
    quote_id: str
    payment_method_id: str | None


@dataclass(frozen=True)
class CancelQuote:
    caller: Caller
    quote_id: str
