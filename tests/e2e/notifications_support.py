"""Helpers of the notifications end-to-end tests: the local SMTP sink's mailbox (a real SMTP
server, shared/infra/smtp_sink.py), and contacts published as the user directory would."""

from __future__ import annotations

import asyncio
import json
import uuid
from email.message import EmailMessage
from typing import Any

from shared.events import AccountContact, AccountContactsChanged, Envelope
from shared.infra.smtp_sink import read_mailbox
from shared.infra.stack import Stack
from tests.e2e.quotes_support import publish
from tests.kafka_tools import consumers_caught_up, eventually, publish_raw, read_topic


def mails(stack: Stack, fact_prefix: str) -> list[EmailMessage]:
    """The messages the sink received for facts starting with this key (X-Billing-Fact)."""
    assert stack.mail_dir is not None
    return [
        m
        for m in read_mailbox(stack.mail_dir)
        if str(m["X-Billing-Fact"]).strip().startswith(fact_prefix)
    ]


async def wait_mails(
    stack: Stack, fact_prefix: str, count: int, timeout: float = 45
) -> list[EmailMessage]:
    async def enough() -> list[EmailMessage] | None:
        found = mails(stack, fact_prefix)
        return found if len(found) >= count else None

    return await eventually(enough, timeout=timeout, interval=0.3)  # type: ignore[no-any-return]


def recipients(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]) for m in messages)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def contacts(csn: str, *people: tuple[str, str, list[str]], language: str | None = None) -> Any:
    return AccountContactsChanged(
        csn=csn,
        language=language,  # type: ignore[arg-type]
        contacts=[AccountContact(email=e, name=n, roles=r) for e, n, r in people],
    )


async def publish_contacts(bootstrap: str, event: AccountContactsChanged) -> None:
    await publish(bootstrap, event, "directory")


async def replay(
    bootstrap: str, topic: str, *, key: str | None = None, fresh_ids_too: bool = True
) -> int:
    """Publish again every envelope of a topic (same event ids), and, as a producer that
    retried after a lost acknowledgement would, each fact again under a new event id. `key`:
    only that aggregate's (topics other services act on, e.g. payments on invoice-issued)."""
    records = await read_topic(bootstrap, topic, min_count=1)
    count = 0
    for record in records:
        if key is not None and record.key != key.encode():
            continue
        try:
            Envelope.model_validate_json(record.value)
        except ValueError:
            continue
        await publish_raw(bootstrap, topic, record.value, key=record.key)
        if fresh_ids_too:
            copy = json.loads(record.value)
            copy["event_id"] = str(uuid.uuid4())
            await publish_raw(bootstrap, topic, json.dumps(copy).encode(), key=record.key)
        count += 1
    return count


async def settled(bootstrap: str, topics: list[str], pause: float = 2.0) -> None:
    """Every consumer of these topics handled all of it, and the delivery job had its turns."""
    await eventually(lambda: consumers_caught_up(bootstrap, topics), timeout=60, interval=0.5)
    await asyncio.sleep(pause)
