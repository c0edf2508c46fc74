"""Order confirmations queued a batch of invoice-issued at a time (notifications'
`order_confirmations`, called directly with an opened unit of work as the batch consumer does):
the same e-mails, in the same languages, to the same people, as one event at a time (R-NOTE-3,
R-NOTE-5); an account with nobody to tell gets none; delivered again, nothing more is queued."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from services.notifications.adapters.orm import mail_messages
from services.notifications.service_layer import handlers
from shared.clock import FixedClock
from shared.events import (
    AccountContact,
    AccountContactsChanged,
    BillingAddress,
    CustomerChanged,
    Envelope,
    EventData,
)
from shared.messaging.outbox import build_envelope
from tests.integration.payments.helpers import invoice
from tests.integration.projections.conftest import UowFactories

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PARIS, BERLIN, UNKNOWN = "5100000031", "5100000032", "5100000033"


def delivered(event: EventData) -> tuple[Any, Envelope]:
    clock = FixedClock(T0)
    return event, build_envelope(
        event, producer="test", clock=clock, correlation_id="corr-orders", causation_id=None
    )


def people(*roles: tuple[str, str]) -> list[AccountContact]:
    return [AccountContact(email=e, name=e.split("@")[0].title(), roles=[r]) for e, r in roles]


async def known_accounts(uows: UowFactories) -> None:
    """A French account with a buyer, an admin and a plain user; a German one with a contract
    manager; the third account's people are not known yet."""
    async with uows["notifications"]() as u:
        for csn, country, contacts in (
            (
                PARIS,
                "FR",
                people(
                    ("lea@paris.example", "primary_admin"),
                    ("marc@paris.example", "buyer"),
                    ("user@paris.example", "user"),
                ),
            ),
            (BERLIN, "DE", people(("cm@berlin.example", "contract_manager"))),
        ):
            await handlers.record_contacts(
                *delivered(AccountContactsChanged(csn=csn, contacts=contacts)), u
            )
            customer = CustomerChanged(
                csn=csn,
                company_name=f"Company {csn}",
                billing_address=BillingAddress(line1="1 Main St", city="X", country=country),
                net_terms_days=30,
            )
            await handlers.record_customer(*delivered(customer), u)
        await u.commit()


def the_batch() -> list[tuple[Any, Envelope]]:
    return [
        delivered(invoice("inv-p1", csn=PARIS, order_id="ord-p1")),
        delivered(invoice("inv-b1", csn=BERLIN, order_id="ord-b1")),
        delivered(invoice("inv-p2", csn=PARIS, order_id="ord-p2")),
        delivered(invoice("inv-u1", csn=UNKNOWN, order_id="ord-u1")),  # nobody known to tell
        delivered(invoice("inv-renewal", csn=PARIS)),  # no order: no confirmation
        delivered(invoice("inv-p1", csn=PARIS, order_id="ord-p1")),  # announced twice
    ]


async def queued(uows: UowFactories) -> list[dict[str, Any]]:
    """The queued e-mails, without what differs by nature (ids)."""
    async with uows["notifications"]() as u:
        rows = await u.session.execute(select(mail_messages).order_by(mail_messages.c.fact_key))
        return [{k: v for k, v in r._mapping.items() if k != "id"} for r in rows]


async def emptied(uows: UowFactories) -> None:
    async with uows["notifications"]() as u:
        await u.session.execute(delete(mail_messages))
        await u.commit()


async def as_a_batch(uows: UowFactories, items: list[tuple[Any, Envelope]]) -> None:
    async with uows["notifications"]() as u:
        await handlers.order_confirmations(items, u)
        await u.commit()


async def test_a_batch_of_orders_queues_what_one_at_a_time_queues(uows: UowFactories) -> None:
    await known_accounts(uows)
    for event, envelope in the_batch():
        async with uows["notifications"]() as u:
            await handlers.order_confirmation(event, envelope, u)
            await u.commit()
    one_by_one = await queued(uows)

    await emptied(uows)
    await as_a_batch(uows, the_batch())

    assert await queued(uows) == one_by_one
    assert [(m["fact_key"], m["language"], m["attachment_name"]) for m in one_by_one] == [
        ("order-confirmation:ord-b1|cm@berlin.example", "en", "invoice-INV-inv-b1.pdf"),
        ("order-confirmation:ord-p1|lea@paris.example", "fr", "facture-INV-inv-p1.pdf"),
        ("order-confirmation:ord-p1|marc@paris.example", "fr", "facture-INV-inv-p1.pdf"),
        ("order-confirmation:ord-p2|lea@paris.example", "fr", "facture-INV-inv-p2.pdf"),
        ("order-confirmation:ord-p2|marc@paris.example", "fr", "facture-INV-inv-p2.pdf"),
    ]


async def test_a_batch_of_orders_delivered_again_queues_nothing_more(uows: UowFactories) -> None:
    await known_accounts(uows)
    batch = the_batch()
    await as_a_batch(uows, batch)
    once = await queued(uows)

    await as_a_batch(uows, batch)
    assert await queued(uows) == once
    assert len(once) == 5
