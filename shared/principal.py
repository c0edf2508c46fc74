"""Who is calling: verified by the gateway, passed to services in internal headers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PRIMARY_ADMIN = "primary_admin"
    CONTRACT_MANAGER = "contract_manager"
    BUYER = "buyer"
    USER = "user"
    PARTNER = "partner"
    # Vendor staff acting on one customer account (issues credit notes); not a customer role.
    BILLING_AGENT = "billing_agent"


# Billing data is hidden from plain users (R-ROLE-1).
BILLING_ROLES = frozenset({Role.PRIMARY_ADMIN, Role.CONTRACT_MANAGER, Role.BUYER})


@dataclass(frozen=True)
class Principal:
    subject: str
    csn: str
    roles: frozenset[Role]
    partner_csn: str | None = None

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)

    @property
    def sees_billing_data(self) -> bool:
        """Prices, amounts, payment methods and payment errors: not for plain users (R-ROLE-1)."""
        return self.has_any(BILLING_ROLES)


HEADER_SUBJECT = "X-Principal-Subject"
HEADER_CSN = "X-Principal-CSN"
HEADER_ROLES = "X-Principal-Roles"
HEADER_PARTNER = "X-Principal-Partner-CSN"
HEADER_INTERNAL_TOKEN = "X-Internal-Token"
HEADER_REQUEST_ID = "X-Request-Id"


def to_headers(p: Principal) -> dict[str, str]:
    headers = {
        HEADER_SUBJECT: p.subject,
        HEADER_CSN: p.csn,
        HEADER_ROLES: ",".join(sorted(p.roles)),
    }
    if p.partner_csn:
        headers[HEADER_PARTNER] = p.partner_csn
    return headers
