"""Driving the payments service layer as its consumers and jobs do, and reading what it
published (its outbox) and what the provider recorded (its ledger)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import services.payments.adapters.orm as orm
from services.payments.domain.model import Charge, PaymentMethod, PaymentMethodKind
from services.payments.service_layer import processing
from shared.clock import FixedClock
from shared.events import (
    Envelope,
    EventData,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceLineRef,
    InvoicePaid,
    SubscriptionChanged,
)
from shared.events.base import MoneyField
from tests.integration.payments.conftest import UowFactory

CSN = "5100000001"
POLICY = processing.Policy(lease=timedelta(seconds=60), retry_days=(1, 3, 5, 7))


async def deliver(
    uow: UowFactory, handler: Any, event: EventData, at: datetime | None = None
) -> None:
    """One delivery of an event to a handler, committed as the consumer does."""
    u = uow()
    envelope = Envelope(
        event_id=uuid.uuid4(),
        type=event.topic,
        version=event.version,
        occurred_at=at or u.clock.now(),
        producer="test",
        correlation_id="corr-test",
        key=event.aggregate_key(),
        data=event.model_dump(mode="json"),
    )
    async with u:
        await handler(event, envelope, u)
        await u.commit()


async def published(db: AsyncEngine, topic: str) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            select(orm.messaging.outbox.c.payload)
            .where(orm.messaging.outbox.c.topic == topic)
            .order_by(orm.messaging.outbox.c.id)
        )
        return [json.loads(p)["data"] for (p,) in rows.all()]


async def add_method(
    uow: UowFactory, method_id: str = "pm-card", token: str = "tok_visa", **fields: Any
) -> PaymentMethod:
    method = PaymentMethod(
        **{
            "id": method_id,
            "csn": CSN,
            "kind": PaymentMethodKind.CARD,
            "provider_token": token,
            "brand": "visa",
            "last4": "4242",
            "holder_name": "Acme Robotics GmbH",
            "exp_month": 12,
            "exp_year": 2030,
            **fields,
        }
    )
    async with uow() as u:
        u.payment_methods.add(method)
        await u.commit()
    return method


def invoice(invoice_id: str = "inv-1", **fields: Any) -> InvoiceIssued:
    return InvoiceIssued(
        **{
            "invoice_id": invoice_id,
            "invoice_number": f"INV-{invoice_id}",
            "csn": CSN,
            "currency": "EUR",
            "subtotal": 10000,
            "tax": 1900,
            "total": 11900,
            "amount_due": 11900,
            "issue_date": date(2026, 3, 2),
            "due_date": date(2026, 3, 2),
            "collection": "automatic",
            "payment_method_id": "pm-card",
            "lines": [InvoiceLineRef(subscription_id="sub-1", amount=10000)],
            **fields,
        }
    )


def paid(invoice_id: str = "inv-1") -> InvoicePaid:
    return InvoicePaid(
        invoice_id=invoice_id,
        invoice_number=f"INV-{invoice_id}",
        csn=CSN,
        currency="EUR",
        total=11900,
        paid_at=datetime.fromisoformat("2026-03-03T10:00:00+00:00"),
        lines=[],
    )


def cancelled(invoice_id: str = "inv-1") -> InvoiceCancelled:
    return InvoiceCancelled(
        invoice_id=invoice_id,
        invoice_number=f"INV-{invoice_id}",
        csn=CSN,
        reason="replaced by a newer order",
        cancelled_at=datetime.fromisoformat("2026-03-03T10:00:00+00:00"),
        lines=[],
    )


def subscription(sub_id: str = "sub-1", **fields: Any) -> SubscriptionChanged:
    return SubscriptionChanged(
        **{
            "subscription_id": sub_id,
            "csn": CSN,
            "contract_id": None,
            "team_id": "team-1",
            "product_code": "CAD-PRO",
            "product_name": "CAD Pro",
            "status": "active",
            "seats": 10,
            "seats_at_renewal": 10,
            "term": "annual",
            "term_at_renewal": "annual",
            "unit_price": MoneyField(amount=1000, currency="EUR"),
            "renewal_amount": MoneyField(amount=10000, currency="EUR"),
            "auto_renew": True,
            "start_date": date(2025, 4, 1),
            "renewal_date": date(2026, 4, 1),
            "purchase_method": "online_direct",
            "payment_method_id": "pm-card",
            "collection": "automatic",
            "partner_csn": None,
            "payment_error": None,
            **fields,
        }
    )


async def charges_of(uow: UowFactory, invoice_id: str = "inv-1") -> list[Charge]:
    async with uow() as u:
        found = await u.charges.of_invoice(invoice_id)
        u.session.expunge_all()  # readable after the session closes
    return sorted(found, key=lambda c: c.attempt)


async def send(uow: UowFactory, provider: Any, **kw: Any) -> int:
    return await processing.send_charges(uow(), provider, POLICY, 100, **kw)


def advance(clock: FixedClock, **delta: float) -> None:
    clock.at = clock.at + timedelta(**delta)
