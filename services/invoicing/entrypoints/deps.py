"""What every invoicing route needs: a unit of work and the caller's role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from services.invoicing.adapters.pdf import Seller
from services.invoicing.config import Settings
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.caller import principal_with
from shared.principal import BILLING_ROLES, Principal, Role
from shared.runtime import service_of, uow_for_request

UowDep = Annotated[InvoicingUnitOfWork, Depends(uow_for_request)]

AGENT_ROLES = frozenset({Role.BILLING_AGENT})
_VIEWER_REFUSAL = "Billing documents are visible to admins, contract managers and buyers."

# Billing data is for admins, contract managers and buyers (R-ROLE-1).
BillingViewer = Annotated[Principal, Depends(principal_with(BILLING_ROLES, _VIEWER_REFUSAL))]
# ... and, for credit notes and the customer's details, the vendor's billing agents too.
BillingViewerOrAgent = Annotated[
    Principal, Depends(principal_with(BILLING_ROLES | AGENT_ROLES, _VIEWER_REFUSAL))
]
# Corrections (credit notes, cancellations) are made by the vendor's billing agents.
BillingAgent = Annotated[
    Principal,
    Depends(
        principal_with(
            AGENT_ROLES, "Only a billing agent can issue credit notes or cancel an invoice."
        )
    ),
]
# Only the primary admin changes the customer's billing details (R-CUST-1).
PrimaryAdmin = Annotated[
    Principal,
    Depends(
        principal_with(
            frozenset({Role.PRIMARY_ADMIN}),
            "Only the primary admin can change the customer details (R-CUST-1).",
        )
    ),
]


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
