"""Purchases: every one becomes an order with its tax invoice (R-INV-4), whatever placed it —
the renewal sweep, a renewal cart, added seats or an accepted quote."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from services.invoicing.domain.model import (
    Customer,
    Invoice,
    InvoiceStatus,
    LineDraft,
    LineKind,
    invoice_number,
)
from services.invoicing.domain.order import Order, OrderKind, order_number
from services.invoicing.service_layer.messages import (
    announcement,
    invoice_cancelled,
    invoice_issued,
    invoice_paid,
)
from services.invoicing.service_layer.uow import InvoicingUnitOfWork
from shared.errors import DomainError
from shared.events import (
    Envelope,
    QuoteAccepted,
    RenewalOrderPlaced,
    RenewalRequested,
    SeatsChanged,
)

log = logging.getLogger(__name__)

TERM_LABEL = {"monthly": "1 month", "annual": "1 year", "three_year": "3 years"}


@dataclass(frozen=True)
class PlaceOrder:
    kind: OrderKind
    source_key: str  # one order and one invoice per source, however often it is delivered
    csn: str
    currency: str
    drafts: list[LineDraft]
    collection: str  # automatic: payments charges payment_method_id on invoice-issued
    payment_method_id: str | None
    placed_by: str | None
    reference: str | None
    order_id: str | None = None


async def place_order(cmd: PlaceOrder, uow: InvoicingUnitOfWork) -> Order | None:
    """Issue the order and its invoice; tax from the billing address now (R-INV-5)."""
    if await uow.invoices.exists_for_source(cmd.source_key):
        return None  # a redelivered purchase: still one order, one invoice
    customer = await uow.customers.get(cmd.csn)
    if customer is None:
        raise customer_unknown(cmd.csn)
    invoice, order = documents(
        cmd,
        customer,
        invoice_sequence=await uow.numbers.next(cmd.csn, "invoice"),
        order_sequence=await uow.numbers.next(cmd.csn, "order"),
        now=uow.clock.now(),
    )
    await _replace_open_invoices_for_the_same_renewals(invoice, order, uow)
    uow.invoices.add(invoice)
    uow.orders.add(order)
    uow.publish(invoice_issued(invoice))
    if invoice.status == InvoiceStatus.PAID:  # nothing to pay: the purchase completes now
        uow.publish(invoice_paid(invoice))
    return order


def customer_unknown(csn: str) -> DomainError:
    return DomainError("customer_unknown", f"No billing details for account {csn}.")


def documents(
    cmd: PlaceOrder,
    customer: Customer,
    *,
    invoice_sequence: int,
    order_sequence: int,
    now: datetime,
) -> tuple[Invoice, Order]:
    """The invoice and the order of one purchase, with the numbers taken for them (R-INV-4)."""
    order_id = cmd.order_id or str(uuid.uuid4())
    invoice = Invoice.issue(
        customer=customer,
        rule=customer.tax_rule(),
        number=invoice_number(cmd.csn, invoice_sequence),
        currency=cmd.currency,
        drafts=cmd.drafts,
        now=now,
        collection=cmd.collection,
        source_key=cmd.source_key,
        payment_method_id=cmd.payment_method_id,
        order_id=order_id,
    )
    order = Order.place(
        order_id=order_id,
        number=order_number(cmd.csn, order_sequence),
        kind=cmd.kind,
        reference=cmd.reference,
        placed_by=cmd.placed_by,
        placed_at=now,
        invoice=invoice,
    )
    return invoice, order


def announce_state(invoice: Invoice, uow: InvoicingUnitOfWork) -> None:
    """Publish again what an invoice's consumers act on: a request repeated because an answer
    was lost (a broker that forgot it, a parked message) gets it again; every consumer
    dedups what it already did (issue 16)."""
    for event in announcement(invoice):
        uow.publish(event)


async def _replace_open_invoices_for_the_same_renewals(
    invoice: Invoice, order: Order, uow: InvoicingUnitOfWork
) -> None:
    """A renewal bought again (manual cart after a failed automatic charge) must not be
    collected twice: the older open, untouched invoice for that term is cancelled."""
    for renewal_id in {line.renewal_id for line in invoice.lines if line.renewal_id}:
        for older in await uow.invoices.open_for_renewal(invoice.csn, renewal_id):
            if older.amount_paid or older.amount_credited:
                log.warning("renewal %s also on part-paid invoice %s", renewal_id, older.number)
                continue
            older.cancel(f"Replaced by order {order.number}", uow.clock.now())
            uow.publish(invoice_cancelled(older))


def _renewal_line(
    *,
    product_name: str,
    seats: int,
    term: str,
    unit_amount: int,
    subscription_id: str,
    renewal_id: uuid.UUID,
    period_start: date,
    period_end: date,
) -> LineDraft:
    return LineDraft(
        description=(
            f"{product_name} renewal, {seats} seat(s), {TERM_LABEL[term]}: "
            f"{period_start} to {period_end}"
        ),
        quantity=seats,
        unit_amount=unit_amount,
        kind=LineKind.RENEWAL,
        subscription_id=subscription_id,
        renewal_id=str(renewal_id),
        period_start=period_start,
        period_end=period_end,
    )


async def issue_renewal_invoice(
    event: RenewalRequested, _: Envelope, uow: InvoicingUnitOfWork
) -> None:
    """An automatic renewal (R-SUB-5): one order, one invoice for one term — unless the
    customer already bought that term (renewal cart, quote): never billed twice. The batch
    version is service_layer/batches.py."""
    billed = await uow.invoices.billing_renewal(event.csn, str(event.renewal_id))
    if billed:
        log.info("renewal %s is already billed; no automatic order", event.renewal_id)
        for invoice in billed:  # asked again (reconciliation): say again where it stands
            announce_state(invoice, uow)
        return
    await place_order(renewal_purchase(event), uow)


def renewal_purchase(event: RenewalRequested) -> PlaceOrder:
    return PlaceOrder(
        kind=OrderKind.RENEWAL,
        source_key=f"renewal:{event.renewal_id}",
        csn=event.csn,
        currency=event.unit_price.currency,
        drafts=[
            _renewal_line(
                product_name=event.product_name,
                seats=event.seats,
                term=event.term,
                unit_amount=event.unit_price.amount,
                subscription_id=event.subscription_id,
                renewal_id=event.renewal_id,
                period_start=event.period_start,
                period_end=event.period_end,
            )
        ],
        collection=event.collection,
        payment_method_id=event.payment_method_id,
        placed_by=None,
        reference=event.subscription_id,
    )


async def invoice_renewal_order(
    event: RenewalOrderPlaced, _: Envelope, uow: InvoicingUnitOfWork
) -> None:
    """A renewal cart or one bulk group (R-SUB-10, R-SUB-11): one order, one invoice."""
    _same_currency(event.currency, [line.unit_price.currency for line in event.lines])
    await place_order(
        PlaceOrder(
            kind=OrderKind.MANUAL_RENEWAL,
            source_key=f"renewal-order:{event.order_id}",
            order_id=str(event.order_id),
            csn=event.csn,
            currency=event.currency,
            drafts=[
                _renewal_line(
                    product_name=line.product_name,
                    seats=line.seats,
                    term=line.term,
                    unit_amount=line.unit_price.amount,
                    subscription_id=line.subscription_id,
                    renewal_id=line.renewal_id,
                    period_start=line.period_start,
                    period_end=line.period_end,
                )
                for line in event.lines
            ],
            collection=event.collection,
            payment_method_id=event.payment_method_id,
            placed_by=event.placed_by,
            reference=None,
        ),
        uow,
    )


async def invoice_added_seats(event: SeatsChanged, _: Envelope, uow: InvoicingUnitOfWork) -> None:
    """Added seats are charged pro rata for the rest of the term on the stored method
    (R-SEAT-2); a reduction costs nothing now (R-SEAT-3)."""
    charge = event.prorated_amount
    if event.change != "added" or charge is None or charge.amount <= 0:
        return
    added = event.seats - event.previous_seats
    source = (
        f"seats:{event.order_id}"
        if event.order_id
        else (
            f"seats:{event.subscription_id}:{event.effective_on}:{event.previous_seats}>{event.seats}"
        )
    )
    await place_order(
        PlaceOrder(
            kind=OrderKind.SEATS_ADDED,
            source_key=source,
            order_id=str(event.order_id) if event.order_id else None,
            csn=event.csn,
            currency=charge.currency,
            drafts=[
                LineDraft(
                    description=(
                        f"{event.product_name}: {added} added seat(s), prorated "
                        f"{event.period_start} to {event.period_end}"
                    ),
                    quantity=1,
                    unit_amount=charge.amount,
                    kind=LineKind.SEATS_ADDED,
                    subscription_id=event.subscription_id,
                    period_start=event.period_start,
                    period_end=event.period_end,
                )
            ],
            collection="automatic" if event.payment_method_id else "manual",
            payment_method_id=event.payment_method_id,
            placed_by=event.placed_by,
            reference=event.subscription_id,
        ),
        uow,
    )


async def invoice_accepted_quote(
    event: QuoteAccepted, _: Envelope, uow: InvoicingUnitOfWork
) -> None:
    """A quote became a purchase (R-QUO-2): its lines with their promotions (R-QUO-7); without
    a payment method the invoice waits on the customer's net terms."""
    _same_currency(event.currency, [line.unit_price.currency for line in event.lines])
    drafts = []
    for line in event.lines:
        period = f": {line.period_start} to {line.period_end}" if line.period_start else ""
        promo = f" (promotion {', '.join(line.promotion_codes)})" if line.promotion_codes else ""
        drafts.append(
            LineDraft(
                description=(
                    f"{line.product_name} {line.kind}, {line.seats} seat(s), "
                    f"{TERM_LABEL[line.term]}{period}{promo}"
                ),
                quantity=line.seats,
                unit_amount=line.unit_price.amount,
                amount=line.amount,
                kind=LineKind(line.kind),
                subscription_id=line.subscription_id,
                renewal_id=str(line.renewal_id) if line.renewal_id else None,
                period_start=line.period_start,
                period_end=line.period_end,
            )
        )
    await place_order(
        PlaceOrder(
            kind=OrderKind.QUOTE,
            source_key=f"quote:{event.quote_id}",
            csn=event.csn,
            currency=event.currency,
            drafts=drafts,
            collection="automatic" if event.payment_method_id else "manual",
            payment_method_id=event.payment_method_id,
            placed_by=event.accepted_by,
            reference=event.quote_number,
        ),
        uow,
    )


def _same_currency(currency: str, line_currencies: list[str]) -> None:
    """One currency per purchase."""
    if any(c != currency for c in line_currencies):
        raise DomainError("currency_mismatch", f"Lines priced outside {currency}.")
