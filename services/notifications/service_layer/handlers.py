"""Event handlers of the notifications service: keep the projections, and turn each fact a
customer is told about into queued e-mails (R-NOTE-2..5). They run inside the idempotent
consumer's unit of work; the delivery job sends what they queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.notifications.adapters.orm import customers, payment_methods, subscriptions
from services.notifications.adapters.repository import Account
from services.notifications.domain.rules import acting_contacts, quote_recipients
from services.notifications.service_layer.compose import queue_mails
from services.notifications.service_layer.uow import NotificationsUnitOfWork
from shared.events import (
    AccountContactsChanged,
    CustomerChanged,
    Envelope,
    InvoiceIssued,
    PaymentFailed,
    PaymentMethodChanged,
    QuoteSent,
    SubscriptionChanged,
)
from shared.projections import upsert_newest

# --- projections -----------------------------------------------------------------------------


async def record_contacts(
    event: AccountContactsChanged, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    """Who the account's people are, their roles and the account's language (R-NOTE-5)."""
    await uow.notices.record_contacts(
        event.csn,
        event.language,
        [c.model_dump() for c in event.contacts],
        envelope.occurred_at,
    )


async def record_customer(
    event: CustomerChanged, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    """Company name, and the billing country the default language comes from (R-NOTE-5)."""
    await uow.notices.record(
        customers,
        {
            "csn": event.csn,
            "company_name": event.company_name,
            "country": event.billing_address.country,
            "occurred_at": envelope.occurred_at,
        },
    )


async def record_subscription(
    event: SubscriptionChanged, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    """What renews manually and when: the renewal notices are due from it (R-NOTE-1)."""
    await uow.notices.record(subscriptions, _subscription_row(event, envelope))


async def record_subscriptions(
    items: Sequence[tuple[SubscriptionChanged, Envelope]], uow: NotificationsUnitOfWork
) -> None:
    """`record_subscription` for a batch consumer's batch (delivery order, one unit of work):
    the newest snapshot of each subscription, in one statement. No e-mail is sent from here:
    the renewal notices are found from it by the periodic notices job (R-NOTE-1)."""
    await upsert_newest(
        uow.session,
        subscriptions,
        [_subscription_row(event, envelope) for event, envelope in items],
        "occurred_at",
    )


def _subscription_row(event: SubscriptionChanged, envelope: Envelope) -> dict[str, Any]:
    return {
        **event.model_dump(),
        "renewal_amount": event.renewal_amount.amount,
        "currency": event.renewal_amount.currency,
        "occurred_at": envelope.occurred_at,
    }


async def record_payment_method(
    event: PaymentMethodChanged, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    """Which card expires when: the expiry notice is due from it (R-NOTE-4)."""
    await uow.notices.record(
        payment_methods, {**event.model_dump(), "occurred_at": envelope.occurred_at}
    )


# --- facts told by e-mail ----------------------------------------------------------------------


async def quote_sent(event: QuoteSent, envelope: Envelope, uow: NotificationsUnitOfWork) -> None:
    """Each recipient who is a contact of the account gets the quote: lines, totals, how to
    accept (R-NOTE-2, R-NOTE-5)."""
    if event.origin == "automatic":
        for line in event.lines:
            if line.subscription_id and line.period_start:
                await uow.notices.record_automatic_quote(
                    line.subscription_id, line.period_start, event.quote_number
                )
    account = await uow.notices.account(event.csn)
    await queue_mails(
        uow,
        kind="quote_sent",
        fact=f"quote-sent:{event.quote_id}",
        account=account,
        recipients=quote_recipients(event.recipients, account.contacts),
        context={
            **event.model_dump(mode="json"),
            "lines": [line.model_dump() for line in event.lines],
            "expires_on": event.expires_on,
            "accept_url": f"{uow.account_url}/quotes/{event.quote_id}",
        },
    )


async def order_confirmation(
    event: InvoiceIssued, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    """Every order's confirmation carries its tax invoice as a PDF (R-NOTE-3); the PDF is
    fetched from invoicing when the message is delivered."""
    if event.order_id is not None:
        await _queue_order_confirmation(event, await uow.notices.account(event.csn), uow)


async def order_confirmations(
    items: Sequence[tuple[InvoiceIssued, Envelope]], uow: NotificationsUnitOfWork
) -> None:
    """`order_confirmation` for a batch consumer's batch (delivery order, one unit of work):
    what is known of the batch's accounts is read once, in two statements, not per invoice."""
    orders = [event for event, _ in items if event.order_id is not None]
    accounts = await uow.notices.accounts({event.csn for event in orders})
    for event in orders:
        await _queue_order_confirmation(event, accounts[event.csn], uow)


async def _queue_order_confirmation(
    event: InvoiceIssued, account: Account, uow: NotificationsUnitOfWork
) -> None:
    number = event.invoice_number
    await queue_mails(
        uow,
        kind="order_confirmation",
        fact=f"order-confirmation:{event.order_id}",
        account=account,
        recipients=acting_contacts(account.contacts),
        context={
            **event.model_dump(),
            "invoices_url": f"{uow.account_url}/invoices/{event.invoice_id}",
        },
        attachment=(
            event.invoice_id,
            lambda lang: f"{'facture' if lang == 'fr' else 'invoice'}-{number}.pdf",
        ),
    )


async def payment_failed(
    event: PaymentFailed, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    """A failed charge is told to the people who can fix it, with what to do (R-NOTE-4)."""
    account = await uow.notices.account(event.csn)
    await queue_mails(
        uow,
        kind="payment_failed",
        fact=f"payment-failed:{event.charge_id}",
        account=account,
        recipients=acting_contacts(account.contacts),
        context={
            **event.model_dump(),
            "method_label": await uow.notices.method_label(event.payment_method_id),
            "methods_url": f"{uow.account_url}/payment-methods",
            "invoices_url": f"{uow.account_url}/invoices/{event.invoice_id}",
        },
    )
