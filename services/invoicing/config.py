from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "invoicing"
    http_port: int = 8003
    # The seller printed on every tax invoice, credit note and order confirmation.
    seller_name: str = "Billing & Orders Software Ltd"
    seller_address: str = Field(
        default="1 Example Quay\nDublin 2, D02 X285\nIreland",
        description="Lines separated by newlines",
    )
    seller_tax_id: str = "IE9999999X"
    pdf_font_path: str | None = Field(
        default=None,
        description="A Unicode TrueType font for PDFs (e.g. DejaVuSans.ttf); default: the PDF "
        "core font Helvetica, which prints Latin-1 only",
    )
