"""Documents as PDF (R-INV-1, R-INV-3, R-INV-4): a tax invoice, a credit note and an order
confirmation, downloaded through the gateway, opened with pypdf and read."""

from __future__ import annotations

import io

import httpx
from pypdf import PdfReader

from tests.e2e.conftest import NORA
from tests.e2e.invoicing_support import NEW_YORK, Account, new_account, open_invoice


async def pdf_text(gateway: httpx.AsyncClient, path: str, account: Account) -> str:
    resp = await gateway.get(path, headers=account.admin)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_each_document_kind_downloads_as_a_pdf_with_number_totals_and_address_r_inv_4(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    """R-INV-1, R-INV-3, R-INV-4, R-INV-5: seller, buyer and address, number, dates, lines
    with tax rate and tax, totals and currency."""
    account = await new_account(gateway, NEW_YORK, name="Harbor Docs Inc.")
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(4, 199_000)], "USD")
    # 7,960.00 USD + 8.875% = 706.45 tax
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (796_000, 70_645, 866_645)

    text = await pdf_text(gateway, f"/v1/invoices/{invoice['id']}/pdf", account)
    for expected in (
        "Tax invoice",
        invoice["number"],
        "Harbor Docs Inc.",
        "350 Fifth Avenue",
        "10118 New York NY",
        invoice["issue_date"],
        invoice["due_date"],
        "7,960.00 USD",
        "706.45 USD",
        "8,666.45 USD",
        "8.875%",
        "VAT / tax ID",
    ):
        assert expected in text, expected

    text = await pdf_text(gateway, f"/v1/orders/{invoice['order_id']}/confirmation.pdf", account)
    for expected in ("Order confirmation", invoice["number"], "8,666.45 USD", "350 Fifth Avenue"):
        assert expected in text, expected
    order = (await gateway.get(f"/v1/orders/{invoice['order_id']}", headers=account.admin)).json()
    assert order["number"] in text

    resp = await gateway.post(
        "/v1/credit-notes",
        json={"reason": "Price correction", "invoice_id": invoice["id"], "amount": 10_888},
        headers=account.agent,
    )
    assert resp.status_code == 201, resp.text
    note = resp.json()
    text = await pdf_text(gateway, f"/v1/credit-notes/{note['id']}/pdf", account)
    for expected in (
        "Credit note",
        note["number"],
        invoice["number"],
        "108.88 USD",
        "Price correction",
        "350 Fifth Avenue",
    ):
        assert expected in text, expected


async def test_documents_of_another_account_are_not_found_and_users_get_none_r_inv_1(
    gateway: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    account = await new_account(gateway)
    invoice = await open_invoice(gateway, kafka_bootstrap, account, [(1, 1_000)])
    resp = await gateway.get(f"/v1/invoices/{invoice['id']}/pdf", headers=NORA)
    assert resp.status_code == 404 and resp.json()["code"] == "invoice_not_found"
    resp = await gateway.get(f"/v1/orders/{invoice['order_id']}/confirmation.pdf", headers=NORA)
    assert resp.status_code == 404
    user = await gateway.get(f"/v1/invoices/{invoice['id']}/pdf", headers=account.user)
    assert user.status_code == 403
