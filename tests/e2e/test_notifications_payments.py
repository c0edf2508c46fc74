"""A failed payment and a payment method about to expire are told to the people who can fix
them (R-NOTE-4), once each, in the account's language; a recipient the SMTP server refuses is
retried with back-off, then parked with the reason, without holding up the others (R-NOTE-5)."""

from __future__ import annotations

import httpx
import pytest

from shared.events import PaymentFailed, PaymentMethodChanged
from shared.infra.stack import Stack
from shared.principal import HEADER_INTERNAL_TOKEN
from shared.settings import DEV_INTERNAL_TOKEN
from tests.e2e.notifications_support import (
    contacts,
    mails,
    publish_contacts,
    recipients,
    replay,
    settled,
    text_of,
    wait_mails,
)
from tests.e2e.quotes_support import customer, new_csn, publish, service_today
from tests.kafka_tools import eventually

pytestmark = pytest.mark.slow

CSN = new_csn()
ADMIN, BUYER, USER = (f"{r}@{CSN}.example" for r in ("admin", "buyer", "user"))
REFUSED = f"refused-{CSN}@{CSN}.example"  # the sink answers 550 for this mailbox
CARD = f"pm-{CSN}-visa"
CHARGE = f"ch-{CSN}-1"


@pytest.fixture(scope="module")
async def account(gateway: httpx.AsyncClient, kafka_bootstrap: str) -> None:
    await publish(kafka_bootstrap, customer(CSN, country="FR"), "invoicing")
    await publish_contacts(
        kafka_bootstrap,
        contacts(
            CSN,
            (ADMIN, "Ada Admin", ["primary_admin"]),
            (BUYER, "Bo Buyer", ["buyer"]),
            (USER, "Uli User", ["user"]),
            (REFUSED, "Rex Refused", ["contract_manager"]),
            language="en",  # chosen by the account: wins over the French billing country
        ),
    )
    # The people are known before the facts about them arrive (other topics, other consumers).
    await settled(kafka_bootstrap, ["account-contacts-changed", "customer-changed"], pause=0)
    today = await service_today(gateway)
    await publish(
        kafka_bootstrap,
        PaymentMethodChanged(
            payment_method_id=CARD,
            csn=CSN,
            kind="card",
            label="Visa •••• 4242",
            recurring=True,
            valid=True,
            exp_month=today.month,  # valid through the end of this month: within 30 days
            exp_year=today.year,
            is_default=True,
            status="active",
        ),
        "payments",
    )
    await settled(kafka_bootstrap, ["payment-method-changed"], pause=0)  # its label is known
    await publish(
        kafka_bootstrap,
        PaymentFailed(
            charge_id=CHARGE,
            invoice_id=f"inv-{CSN}",
            csn=CSN,
            amount=123_456,
            currency="EUR",
            payment_method_id=CARD,
            reason="card_declined",
            message="The card was declined by its issuer.",
            attempt=1,
            next_retry_at=None,
            final=False,
        ),
        "payments",
    )


async def test_payment_failure_is_told_to_the_people_who_can_fix_it(
    stack: Stack, account: None
) -> None:
    """R-NOTE-4: admins and buyers (and contract managers) hear of it with what to do; plain
    users never; R-NOTE-5: in the language the account chose."""
    received = await wait_mails(stack, f"payment-failed:{CHARGE}", 2)
    assert recipients(received) == sorted([ADMIN, BUYER])
    message = received[0]
    assert message["Content-Language"] == "en"
    assert "1,234.56 EUR" in str(message["Subject"])
    text = text_of(message)
    assert "Visa •••• 4242" in text and "declined" in text
    assert "What to do" in text


async def test_expiring_payment_method_is_told_once(stack: Stack, account: None) -> None:
    """R-NOTE-4: a card expiring within 30 days, told once (R-NOTE-5) to those who manage
    payment methods."""
    received = await wait_mails(stack, f"payment-method-expiring:{CARD}:", 2)
    assert recipients(received) == sorted([ADMIN, BUYER])
    assert "Visa •••• 4242 expires on" in str(received[0]["Subject"])
    assert await replay(stack.bootstrap_servers, "payment-method-changed", key=CARD) == 1
    assert await replay(stack.bootstrap_servers, "payment-failed", key=f"inv-{CSN}") == 1
    await settled(stack.bootstrap_servers, ["payment-method-changed", "payment-failed"])
    assert len(mails(stack, f"payment-method-expiring:{CARD}:")) == 2
    assert len(mails(stack, f"payment-failed:{CHARGE}")) == 2


async def test_refused_recipient_is_retried_then_parked_with_the_reason(
    stack: Stack, account: None
) -> None:
    """R-NOTE-5: never lost silently: the SMTP server's 550 is retried with back-off, then the
    message is parked with that reason; the other recipients got theirs."""
    url = f"{stack.url('notifications')}/internal/mail"
    headers = {HEADER_INTERNAL_TOKEN: DEV_INTERNAL_TOKEN}

    async def parked() -> list[dict[str, str]] | None:
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.get(url, params={"status": "parked", "csn": CSN}, headers=headers)
        assert resp.status_code == 200, resp.text
        found = [m for m in resp.json() if m["fact_key"].startswith(f"payment-failed:{CHARGE}")]
        return found or None

    [message] = await eventually(parked, timeout=60)
    assert message["recipient"] == REFUSED
    assert message["attempts"] == 5
    assert "550" in message["last_error"]
    assert mails(stack, f"payment-failed:{CHARGE}|{REFUSED}") == []
