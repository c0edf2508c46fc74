"""An order's confirmation e-mail carries its tax invoice as a PDF (R-NOTE-3), in French for a
French account (R-NOTE-5): Lumen Studio (Paris) buys from a quote and pays on its invoice terms;
each person who can act on billing gets one e-mail whose PDF has the invoice's number and total."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from shared.infra.stack import Stack
from shared.money import Money
from tests.e2e.notifications_support import (
    mails,
    recipients,
    replay,
    settled,
    text_of,
    wait_mails,
)
from tests.e2e.quotes_support import LUMEN, person
from tests.kafka_tools import eventually

pytestmark = pytest.mark.slow

LEA = person(LUMEN, "primary_admin", "lea@lumen.example")
LUMEN_BILLING = ["ines@lumen.example", "lea@lumen.example", "marc@lumen.example"]


@pytest.fixture(scope="module")
async def order(gateway: httpx.AsyncClient) -> dict[str, Any]:
    resp = await gateway.post(
        "/v1/quotes",
        json={
            "lines": [{"kind": "new", "product_code": "VIEWER", "seats": 3, "term": "annual"}],
            "currency": "EUR",
            "recipients": ["lea@lumen.example"],
        },
        headers=LEA,
    )
    assert resp.status_code == 201, resp.text
    quote_id = resp.json()["id"]
    assert (await gateway.post(f"/v1/quotes/{quote_id}/send", headers=LEA)).status_code == 200
    resp = await gateway.post(f"/v1/quotes/{quote_id}/accept", json={}, headers=LEA)
    assert resp.status_code == 200, resp.text
    number = resp.json()["number"]

    async def placed() -> dict[str, Any] | None:
        page = (await gateway.get("/v1/orders?limit=200", headers=LEA)).json()
        return next((o for o in page["items"] if o["reference"] == number), None)

    return await eventually(placed, timeout=60)  # type: ignore[no-any-return]


async def test_order_confirmation_carries_the_tax_invoice_pdf_in_french(
    gateway: httpx.AsyncClient, stack: Stack, order: dict[str, Any]
) -> None:
    """R-NOTE-3: the PDF's number and total are the invoice's; R-NOTE-5: French for a French
    account, to its admins, contract managers and buyers, once each."""
    resp = await gateway.get(f"/v1/invoices/{order['invoice']['id']}", headers=LEA)
    assert resp.status_code == 200, resp.text
    invoice = resp.json()
    fact = f"order-confirmation:{order['id']}"
    received = await wait_mails(stack, fact, len(LUMEN_BILLING))
    assert recipients(received) == LUMEN_BILLING
    total = f"{Money(invoice['total'], invoice['currency']).text(grouping=True)} EUR"
    for message in received:
        assert message["Content-Language"] == "fr"
        assert str(message["Subject"]).startswith(
            f"Commande confirmée : facture {invoice['number']}"
        )
        assert "Merci pour votre commande" in text_of(message)
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"facture-{invoice['number']}.pdf"
        pdf = PdfReader(io.BytesIO(attachment.get_content()))
        text = "\n".join(page.extract_text() for page in pdf.pages)
        assert invoice["number"] in text
        assert total in text


async def test_redelivered_invoice_issued_sends_no_second_confirmation(
    stack: Stack, order: dict[str, Any]
) -> None:
    """R-NOTE-5: one e-mail per fact, however often invoice-issued comes again."""
    fact = f"order-confirmation:{order['id']}"
    await wait_mails(stack, fact, len(LUMEN_BILLING))
    assert await replay(stack.bootstrap_servers, "invoice-issued", key=order["invoice"]["id"]) == 1
    await settled(stack.bootstrap_servers, ["invoice-issued"])
    assert recipients(mails(stack, fact)) == LUMEN_BILLING
