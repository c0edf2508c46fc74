"""The tax invoice PDF, as invoicing renders it for the customer (R-NOTE-3): fetched from the
invoicing service's API with the internal token, on behalf of the account, when the message is
delivered. One renderer (services/invoicing/adapters/pdf.py), so the attachment is the very
document the account downloads."""

from __future__ import annotations

import httpx

from shared.principal import HEADER_INTERNAL_TOKEN, Principal, Role, to_headers


class InvoicePdfs:
    def __init__(self, invoicing_url: str, internal_token: str, timeout: float = 20.0) -> None:
        self.base = invoicing_url.rstrip("/")
        self.token = internal_token
        self.timeout = timeout

    async def fetch(self, csn: str, invoice_id: str) -> bytes:
        reader = Principal(subject="notifications", csn=csn, roles=frozenset({Role.PRIMARY_ADMIN}))
        headers = {**to_headers(reader), HEADER_INTERNAL_TOKEN: self.token}
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            resp = await client.get(f"{self.base}/v1/invoices/{invoice_id}/pdf", headers=headers)
        resp.raise_for_status()
        if not resp.content.startswith(b"%PDF"):
            raise ValueError(
                f"invoice {invoice_id}: not a PDF ({resp.headers.get('content-type')})"
            )
        return resp.content
