"""Orders: every purchase is an order with its confirmation and its tax invoice (R-INV-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.invoicing.domain.model import Invoice, InvoiceStatus


class OrderKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"  # automatic renewal (R-SUB-5)
    MANUAL_RENEWAL = "manual_renewal"  # renewal cart or bulk group (R-SUB-10, R-SUB-11)
    SEATS_ADDED = "seats_added"  # R-SEAT-2
    QUOTE = "quote"  # a quote turned into a purchase (R-QUO-2)


@dataclass(eq=False)
class Order:
    id: str
    csn: str
    number: str
    kind: OrderKind
    source_key: str  # the event that placed it: one order per source
    reference: str | None  # what the customer knows it by: quote number, subscription id
    currency: str
    subtotal: int
    tax: int
    total: int
    collection: str
    payment_method_id: str | None
    placed_by: str | None
    placed_at: datetime
    bill_to: str  # snapshot, as on its invoice (R-CUST-1)
    invoice_id: str

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        number: str,
        kind: OrderKind,
        reference: str | None,
        placed_by: str | None,
        placed_at: datetime,
        invoice: Invoice,
    ) -> Order:
        """The order carries its invoice's amounts: one order, one tax invoice."""
        return cls(
            id=order_id,
            csn=invoice.csn,
            number=number,
            kind=kind,
            source_key=invoice.source_key,
            reference=reference,
            currency=invoice.currency,
            subtotal=invoice.subtotal,
            tax=invoice.tax,
            total=invoice.total,
            collection=invoice.collection,
            payment_method_id=invoice.payment_method_id,
            placed_by=placed_by,
            placed_at=placed_at,
            bill_to=invoice.bill_to,
            invoice_id=invoice.id,
        )


def order_status(invoice: Invoice) -> str:
    """An order is complete once its invoice is paid."""
    return {
        InvoiceStatus.OPEN: "awaiting_payment",
        InvoiceStatus.PAID: "completed",
        InvoiceStatus.CANCELLED: "cancelled",
    }[invoice.status]


def order_number(csn: str, sequence: int) -> str:
    return f"OR-{csn}-{sequence:06d}"
