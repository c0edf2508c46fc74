"""A sent quote reaches each recipient who is a contact of the account, by e-mail over real
SMTP (the local sink), once, however often quote-sent is redelivered (R-NOTE-2, R-NOTE-5)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.infra.stack import Stack
from tests.e2e.notifications_support import (
    html_of,
    mails,
    recipients,
    replay,
    settled,
    text_of,
    wait_mails,
)
from tests.e2e.quotes_support import person

pytestmark = pytest.mark.slow

ACME = "5100000001"  # demo contacts: alice (primary admin), carl, bea (buyer), uma (user)
ALICE = person(ACME, "primary_admin", "alice@acme.example")


@pytest.fixture(scope="module")
async def sent_quote(gateway: httpx.AsyncClient) -> dict[str, Any]:
    resp = await gateway.post(
        "/v1/quotes",
        json={
            "lines": [{"kind": "new", "product_code": "SIM", "seats": 2, "term": "annual"}],
            "currency": "EUR",
            "recipients": ["alice@acme.example", "bea@acme.example", "cfo@elsewhere.example"],
        },
        headers=ALICE,
    )
    assert resp.status_code == 201, resp.text
    resp = await gateway.post(f"/v1/quotes/{resp.json()['id']}/send", headers=ALICE)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def test_each_contact_recipient_gets_the_quote_with_lines_totals_and_how_to_accept(
    stack: Stack, sent_quote: dict[str, Any]
) -> None:
    """R-NOTE-2: one e-mail per recipient, with the lines, totals and how to accept;
    R-NOTE-5: the address outside the account's contacts gets nothing, English for Germany."""
    fact = f"quote-sent:{sent_quote['id']}"
    received = await wait_mails(stack, fact, 2)
    await settled(stack.bootstrap_servers, ["quote-sent"])
    received = mails(stack, fact)
    assert recipients(received) == ["alice@acme.example", "bea@acme.example"]
    for message in received:
        assert sent_quote["number"] in message["Subject"]
        assert message["Content-Language"] == "en"
        text = text_of(message)
        assert "Simulation Suite: 2 seat(s), annual" in text
        assert "Total:" in text and "EUR" in text
        assert "How to accept" in text
        assert sent_quote["number"] in html_of(message)


async def test_redelivered_quote_sent_sends_no_second_email(
    stack: Stack, sent_quote: dict[str, Any]
) -> None:
    """R-NOTE-5: every quote-sent again, with the same and with new event ids: no new e-mail."""
    fact = f"quote-sent:{sent_quote['id']}"
    await wait_mails(stack, fact, 2)
    assert await replay(stack.bootstrap_servers, "quote-sent") >= 1
    await settled(stack.bootstrap_servers, ["quote-sent"])
    assert recipients(mails(stack, fact)) == ["alice@acme.example", "bea@acme.example"]
