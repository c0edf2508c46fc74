"""Stands in for the company's user directory, which owns the customer accounts' people and
roles: publishes one `account-contacts-changed` snapshot per demo account
(deploy/demo/accounts.json), as the directory would, straight onto the broker. Used by
`make run` and the end-to-end stack when demo data is loaded."""

from __future__ import annotations

import asyncio
import threading

from shared.clock import SystemClock
from shared.demo import CUSTOMER_ROLES, demo_accounts, is_contact
from shared.events import AccountContact, AccountContactsChanged
from shared.infra.kafka import ensure_topics
from shared.messaging.outbox import build_envelope

PRODUCER = "directory"


def demo_contacts() -> list[AccountContactsChanged]:
    return [
        AccountContactsChanged(
            csn=account["csn"],
            language=account.get("language"),
            contacts=[
                AccountContact(
                    email=u["subject"],
                    name=u["name"],
                    roles=[r for r in u["roles"] if r in CUSTOMER_ROLES],
                )
                for u in filter(is_contact, account["users"])
            ],
        )
        for account in demo_accounts()
    ]


async def publish_contacts(bootstrap: str, snapshots: list[AccountContactsChanged]) -> None:
    from aiokafka import AIOKafkaProducer

    await ensure_topics(bootstrap, [AccountContactsChanged.topic], 6)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in snapshots:
            envelope = build_envelope(
                event,
                producer=PRODUCER,
                clock=SystemClock(),
                correlation_id=None,
                causation_id=None,
            )
            await producer.send_and_wait(
                event.topic,
                envelope.model_dump_json().encode(),
                key=event.aggregate_key().encode(),
            )
    finally:
        await producer.stop()


def publish_demo_contacts(bootstrap: str) -> None:
    """Blocking; safe to call whether or not an event loop runs in this thread."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(publish_contacts(bootstrap, demo_contacts()))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="demo-directory")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
