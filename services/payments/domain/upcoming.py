"""Upcoming payments (R-PAY-2) and the chart of what is due by status (R-PAY-3): pure rules
over what payments knows from events (subscription and invoice snapshots) and its charges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from services.payments.domain.model import Charge, ChargeStatus


class UpcomingStatus(StrEnum):
    AUTO_RENEW = "auto_renew"
    MANUAL = "manual"
    PAYMENT_ERROR = "payment_error"


class Schedule(StrEnum):
    SCHEDULED = "scheduled"  # we will charge it: auto-renewals, retries
    UNSCHEDULED = "unscheduled"  # the customer has to pay: manual renewals, open invoices


class UpcomingKind(StrEnum):
    RENEWAL = "renewal"
    RETRY = "retry"
    INVOICE = "invoice"


@dataclass(eq=False)
class SubscriptionView:
    """What payments keeps of a subscription-changed snapshot."""

    subscription_id: str
    csn: str
    product_name: str
    status: str
    auto_renew: bool
    collection: str
    renewal_date: date
    renewal_amount: int  # before tax
    currency: str
    payment_method_id: str | None
    payment_error: str | None
    as_of: datetime  # occurred_at of the snapshot: an older one never overwrites a newer one

    @property
    def renews_automatically(self) -> bool:
        return self.status == "active" and self.auto_renew and self.collection == "automatic"


@dataclass(eq=False)
class InvoiceView:
    """What payments keeps of invoice-issued / invoice-paid."""

    invoice_id: str
    csn: str
    invoice_number: str
    currency: str
    total: int
    amount_due: int
    due_date: date
    collection: str
    status: str  # open | paid
    renewal_keys: list[str] = field(default_factory=list)  # "<subscription_id>@<period_start>"
    subscription_ids: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def renewal_key(subscription_id: str, period_start: date) -> str:
    return f"{subscription_id}@{period_start.isoformat()}"


@dataclass(frozen=True)
class UpcomingPayment:
    date: dt.date  # the field is named `date` in the API; dt.date keeps the type unshadowed
    amount: int
    currency: str
    schedule: Schedule
    kind: UpcomingKind
    status: UpcomingStatus
    tax_included: bool  # renewals are priced before tax; invoices and retries include it
    description: str
    subscription_ids: tuple[str, ...] = ()
    invoice_id: str | None = None
    payment_method_id: str | None = None

    @property
    def sort_key(self) -> tuple[dt.date, str, str]:
        return (self.date, self.kind.value, self.invoice_id or ",".join(self.subscription_ids))


def _renewals(
    subscriptions: Iterable[SubscriptionView], invoiced: set[str], start: date, end: date
) -> list[UpcomingPayment]:
    items = []
    for sub in subscriptions:
        if sub.status != "active" or not start <= sub.renewal_date <= end:
            continue
        if renewal_key(sub.subscription_id, sub.renewal_date) in invoiced:
            continue  # its invoice is listed instead
        if sub.renews_automatically:
            schedule = Schedule.SCHEDULED
            status = (
                UpcomingStatus.PAYMENT_ERROR if sub.payment_error else UpcomingStatus.AUTO_RENEW
            )
        else:  # auto-renew off, or a method that always needs a manual renewal (R-SUB-9)
            schedule, status = Schedule.UNSCHEDULED, UpcomingStatus.MANUAL
        items.append(
            UpcomingPayment(
                date=sub.renewal_date,
                amount=sub.renewal_amount,
                currency=sub.currency,
                schedule=schedule,
                kind=UpcomingKind.RENEWAL,
                status=status,
                tax_included=False,
                description=f"Renewal of {sub.product_name}",
                subscription_ids=(sub.subscription_id,),
                payment_method_id=sub.payment_method_id,
            )
        )
    return items


def _invoice_item(invoice: InvoiceView, charges: list[Charge]) -> UpcomingPayment | None:
    """An open invoice the customer still has to act on; None while we are charging it."""
    if any(c.is_open or c.retry_at is not None for c in charges):
        return None  # being charged now, or listed as a scheduled retry
    failed = any(c.status == ChargeStatus.FAILED for c in charges)
    return UpcomingPayment(
        date=invoice.due_date,
        amount=invoice.amount_due,
        currency=invoice.currency,
        schedule=Schedule.UNSCHEDULED,
        kind=UpcomingKind.INVOICE,
        status=UpcomingStatus.PAYMENT_ERROR if failed else UpcomingStatus.MANUAL,
        tax_included=True,
        description=f"Invoice {invoice.invoice_number}",
        subscription_ids=tuple(invoice.subscription_ids),
        invoice_id=invoice.invoice_id,
    )


def _retry_item(charge: Charge, retry_at: datetime) -> UpcomingPayment:
    return UpcomingPayment(
        date=retry_at.date(),
        amount=charge.amount,
        currency=charge.currency,
        schedule=Schedule.SCHEDULED,
        kind=UpcomingKind.RETRY,
        status=UpcomingStatus.PAYMENT_ERROR,
        tax_included=True,
        description=f"Retry {charge.attempt + 1} after {charge.failure_code or 'a failed payment'}",
        subscription_ids=tuple(charge.subscription_ids),
        invoice_id=charge.invoice_id,
        payment_method_id=charge.payment_method_id,
    )


def upcoming_payments(
    *,
    subscriptions: Iterable[SubscriptionView],
    open_invoices: Iterable[InvoiceView],
    charges: Iterable[Charge],
    today: date,
    days: int,
) -> list[UpcomingPayment]:
    """Everything due from today to `days` ahead, by date (R-PAY-2). Open invoices past their
    due date are listed too: they are due now."""
    end = today + timedelta(days=days)
    by_invoice: dict[str, list[Charge]] = {}
    for charge in charges:
        by_invoice.setdefault(charge.invoice_id, []).append(charge)
    items: list[UpcomingPayment] = []
    invoiced: set[str] = set()
    for invoice in open_invoices:
        if not invoice.is_open:
            continue
        invoiced.update(invoice.renewal_keys)
        of_invoice = by_invoice.get(invoice.invoice_id, [])
        for charge in of_invoice:
            if charge.retry_at is not None and charge.retry_at.date() <= end:
                items.append(_retry_item(charge, charge.retry_at))
        item = _invoice_item(invoice, of_invoice)
        if item is not None and item.date <= end:
            items.append(item)
    items += _renewals(subscriptions, invoiced, today, end)
    return sorted(items, key=lambda i: i.sort_key)


Bucket = Literal["day", "week"]


@dataclass(frozen=True)
class ChartBar:
    start: date
    end: date
    amounts: dict[UpcomingStatus, int]


@dataclass(frozen=True)
class ChartSeries:
    """One currency: amounts are never added across currencies."""

    currency: str
    totals: dict[UpcomingStatus, int]
    counts: dict[UpcomingStatus, int]
    bars: list[ChartBar]


def chart(
    items: Iterable[UpcomingPayment], *, today: date, days: int, bucket: Bucket
) -> list[ChartSeries]:
    """What is due from today to `days` ahead by status, per day or per 7-day bar, one series
    per currency (R-PAY-3). Overdue amounts fall in the first bar."""
    width = 1 if bucket == "day" else 7
    starts = [today + timedelta(days=n) for n in range(0, days + 1, width)]
    last = today + timedelta(days=days)
    series: dict[str, ChartSeries] = {}
    for item in items:
        s = series.get(item.currency)
        if s is None:
            s = series[item.currency] = ChartSeries(
                currency=item.currency,
                totals=dict.fromkeys(UpcomingStatus, 0),
                counts=dict.fromkeys(UpcomingStatus, 0),
                bars=[
                    ChartBar(
                        b,
                        min(b + timedelta(days=width - 1), last),
                        dict.fromkeys(UpcomingStatus, 0),
                    )
                    for b in starts
                ],
            )
        index = max(0, (item.date - today).days) // width
        if index >= len(s.bars):
            continue
        s.bars[index].amounts[item.status] += item.amount
        s.totals[item.status] += item.amount
        s.counts[item.status] += 1
    return [series[c] for c in sorted(series)]
