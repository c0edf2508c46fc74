"""Periodic: the facts that are due on a date rather than carried by an event — renewal notices
when a manual renewal window opens and reminders at 30 and 7 days (R-NOTE-1), and payment
methods about to expire (R-NOTE-4). Each is queued once under its fact's key, so N replicas
running the job at once still queue one e-mail per fact and person."""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain.rules import (
    RENEWAL_STAGES,
    acting_contacts,
    method_expiring,
    renewal_stage_due,
    renews_manually,
)
from services.notifications.service_layer.compose import queue_mails
from services.notifications.service_layer.uow import NotificationsUnitOfWork


async def queue_renewal_notices(uow: NotificationsUnitOfWork, catch_up_days: int) -> int:
    async with uow:
        today = uow.clock.today()
        longest = max(days for _, days in RENEWAL_STAGES)
        queued = 0
        for sub in await uow.notices.subscriptions_renewing_between(
            today + timedelta(days=1), today + timedelta(days=longest)
        ):
            if not renews_manually(sub.status, sub.auto_renew, sub.collection):
                continue
            stage = renewal_stage_due(sub.renewal_date, today, catch_up_days)
            if stage is None:
                continue
            account = await uow.notices.account(sub.csn)
            queued += await queue_mails(
                uow,
                kind="renewal_notice",
                fact=f"renewal-notice:{sub.subscription_id}:{sub.renewal_date}:{stage}",
                account=account,
                recipients=acting_contacts(account.contacts),
                context={
                    **sub._mapping,
                    "stage": stage,
                    "days_left": (sub.renewal_date - today).days,
                    "quote_number": await uow.notices.automatic_quote(
                        sub.subscription_id, sub.renewal_date
                    ),
                    "renew_url": f"{uow.account_url}/subscriptions/{sub.subscription_id}",
                },
            )
        await uow.commit()
    return queued


async def queue_expiring_methods(uow: NotificationsUnitOfWork) -> int:
    async with uow:
        today = uow.clock.today()
        queued = 0
        for method in await uow.notices.methods_with_expiry():
            expires = method_expiring(method.exp_month, method.exp_year, today)
            if expires is None:
                continue
            account = await uow.notices.account(method.csn)
            queued += await queue_mails(
                uow,
                kind="method_expiring",
                fact=f"payment-method-expiring:{method.payment_method_id}:{expires:%Y-%m}",
                account=account,
                recipients=acting_contacts(account.contacts),
                context={
                    "label": method.label,
                    "expires_on": expires,
                    "methods_url": f"{uow.account_url}/payment-methods",
                },
            )
        await uow.commit()
    return queued
