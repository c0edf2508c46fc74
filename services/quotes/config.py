from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "quotes"
    http_port: int = 8002
    quote_validity_days: int = Field(
        default=30, ge=1, le=365, description="Days a sent quote stays valid"
    )
    quote_expiry_sweep_seconds: float = Field(
        default=60.0, gt=0, description="How often sent quotes past their date are expired"
    )
    automatic_quotes_seconds: float = Field(
        default=60.0, gt=0, description="How often automatic renewal quotes are made (R-QUO-8)"
    )
    automatic_quote_catch_up_days: int = Field(
        default=7, ge=1, le=30, description="A window that opened this many days ago is quoted"
    )
