"""What subscriptions does with other services' events: `(event, envelope, uow)`, called by
the idempotent consumer, which owns the transaction. Snapshots and events the aggregates
record are written by the unit of work."""

from __future__ import annotations

import logging

from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import BoughtTerm, PaymentMethodKind, Term
from services.subscriptions.domain.views import BillingAddressView, PaymentMethodView
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.events import (
    CustomerChanged,
    Envelope,
    InvoiceLineRef,
    InvoicePaid,
    PaymentFailed,
    PaymentMethodChanged,
    QuoteAccepted,
)

log = logging.getLogger(__name__)


async def complete_renewal(event: InvoicePaid, _: Envelope, uow: SubscriptionsUnitOfWork) -> None:
    """An invoice that covers renewal lines was paid: extend each subscription one term from
    its old date (R-SUB-12), applying pending term and seat changes (R-SUB-8, R-SEAT-3). The
    batch version is service_layer/batches.py."""
    for line in event.lines:
        if line.subscription_id is None:
            continue
        apply_paid_line(event, line, await uow.subscriptions.get_for_update(line.subscription_id))


def apply_paid_line(event: InvoicePaid, line: InvoiceLineRef, sub: Subscription | None) -> None:
    """One paid line of an invoice, on the subscription it names (None: unknown here)."""
    if sub is None or sub.csn != event.csn:
        log.warning(
            "invoice %s pays unknown subscription %s", event.invoice_id, line.subscription_id
        )
        return
    sub.record_paid_invoice(event.invoice_id)
    if line.period_start is None or (line.kind is not None and line.kind != "renewal"):
        return  # added seats, new purchases: paid, but no term to extend
    paid = None
    if event.currency == sub.currency:
        paid = BoughtTerm.of_period(
            line.period_start, line.period_end, line.seats, line.unit_amount
        )
    # None when this term was already renewed: nothing changes twice
    sub.complete_renewal(
        line.period_start, paid, invoice_id=event.invoice_id, renewal_id=line.renewal_id
    )


async def record_payment_failure(
    event: PaymentFailed, _: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """A charge failed: the subscription shows a payment error; nothing is renewed (R-PAY-4)."""
    for subscription_id in event.subscription_ids:
        sub = await uow.subscriptions.get_for_update(subscription_id)
        if sub is not None and sub.csn == event.csn:
            sub.record_payment_error(event.reason, event.invoice_id)


async def apply_payment_method(
    event: PaymentMethodChanged, envelope: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """Keep the projection of saved methods; an older snapshot never overwrites a newer one."""
    version_at = envelope.occurred_at.isoformat()
    method = await uow.subscriptions.method(event.payment_method_id)
    if method is not None and method.version_at > version_at:
        return
    kind, active = PaymentMethodKind(event.kind), event.status == "active"
    if method is None:
        method = PaymentMethodView(
            event.payment_method_id, event.csn, kind, event.label, False, False, active, ""
        )
        uow.subscriptions.add(method)
    method.csn, method.kind, method.label = event.csn, kind, event.label
    method.recurring, method.valid, method.active = event.recurring, event.valid, active
    method.version_at = version_at


async def apply_customer(
    event: CustomerChanged, envelope: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    version_at = envelope.occurred_at.isoformat()
    address = await uow.subscriptions.address(event.csn)
    country, region = event.billing_address.country, event.billing_address.region
    if address is None:
        uow.subscriptions.add(BillingAddressView(event.csn, country, region, version_at))
    elif address.version_at <= version_at:
        address.country, address.region, address.version_at = country, region, version_at


async def hold_quoted_renewals(
    event: QuoteAccepted, _: Envelope, uow: SubscriptionsUnitOfWork
) -> None:
    """An accepted quote pays these terms: the auto-renew sweep must not renew them too, and
    the paid renewal applies the seats, term and price the quote sold (R-QUO-2)."""
    for line in event.lines:
        if line.kind != "renewal" or line.subscription_id is None or line.period_start is None:
            continue
        sub = await uow.subscriptions.get_for_update(line.subscription_id)
        if sub is None or sub.csn != event.csn:
            continue
        bought = None  # quotes refuse a currency change (R-QUO-6); never mix currencies here
        if line.unit_price.currency == sub.currency:
            bought = BoughtTerm(line.seats, Term(line.term), line.unit_price.amount)
        sub.hold_for_order(line.period_start, bought)
