"""Events of the company's user directory (the identity provider that owns people and roles).

No service of this repository owns the customer accounts' people: the directory does, and
announces each account's contacts with their roles, so that quotes (automatic quote
recipients, R-QUO-8) and notifications (who gets which e-mail, R-NOTE-5) keep projections.
`make run` and the end-to-end tests stand in for the directory (shared/infra/directory.py).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import EventData

Language = Literal["en", "fr"]


class AccountContact(BaseModel):
    model_config = ConfigDict(frozen=True)
    email: str = Field(examples=["alice@acme.example"])
    name: str = Field(examples=["Alice Admin"])
    roles: list[str] = Field(
        description="primary_admin, contract_manager, buyer, user, billing_agent",
        examples=[["primary_admin"]],
    )


class AccountContactsChanged(EventData):
    """Snapshot of a customer account's people and roles, after every change (directory):
    the newest one replaces the previous one."""

    topic: ClassVar[str] = "account-contacts-changed"
    csn: str
    language: Language | None = Field(
        default=None, description="The account's chosen language; None: from its billing country"
    )
    contacts: list[AccountContact]

    def aggregate_key(self) -> str:
        return self.csn


CONTRACTS: tuple[type[EventData], ...] = (AccountContactsChanged,)
