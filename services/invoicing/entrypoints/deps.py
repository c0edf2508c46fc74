"""What every invoicing route needs: a unit of work and the caller's role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from services.invoicing.adapters.pdf import Seller
from services.invoicing.config import Settings
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import Forbidden
from shared.principal import BILLING_ROLES, Principal, Role
from shared.runtime import service_of, uow_for_request

UowDep = Annotated[InvoicingUnitOfWork, Depends(uow_for_request)]

AGENT_ROLES = frozenset({Role.BILLING_AGENT})


def billing_viewer(principal: Principal, *, agents_too: bool = False) -> None:
    """Billing data is for admins, contract managers and buyers (R-ROLE-1)."""
    allowed = BILLING_ROLES | AGENT_ROLES if agents_too else BILLING_ROLES
    if not principal.has_any(allowed):
        raise Forbidden("Billing documents are visible to admins, contract managers and buyers.")


def billing_agent(principal: Principal) -> None:
    """Corrections (credit notes, cancellations) are made by the vendor's billing agents."""
    if not principal.has_any(AGENT_ROLES):
        raise Forbidden("Only a billing agent can issue credit notes or cancel an invoice.")


class Documents:
    """Who sells, and the font to print with: from the service's settings."""

    def __init__(self, seller: Seller, font_path: str | None) -> None:
        self.seller, self.font_path = seller, font_path


def documents(request: Request) -> Documents:
    settings = service_of(request).settings
    assert isinstance(settings, Settings)
    return Documents(
        Seller(settings.seller_name, settings.seller_address, settings.seller_tax_id),
        settings.pdf_font_path,
    )


DocumentsDep = Annotated[Documents, Depends(documents)]


def pdf_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
