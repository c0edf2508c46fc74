from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "subscriptions"
    http_port: int = 8001
    renewal_sweep_seconds: float = Field(
        default=30.0, gt=0, description="How often due renewals are looked for"
    )
    renewal_sweep_batch: int = Field(default=500, ge=1, le=10_000)
    expiry_sweep_seconds: float = Field(
        default=60.0, gt=0, description="How often unrenewed subscriptions are expired"
    )
    expiry_sweep_batch: int = Field(default=500, ge=1, le=10_000)
    renewal_reconcile_seconds: float = Field(
        default=60.0, gt=0, description="How often unanswered renewal requests are looked for"
    )
    renewal_unanswered_seconds: float = Field(
        default=900.0,
        gt=0,
        description="A renewal requested this long ago and still unpaid is requested again"
        " (the same request: receivers dedup it)",
    )
    renewal_grace_days: int = Field(
        default=14,
        ge=0,
        le=90,
        description="Days past the renewal date a renewal awaiting payment (retries, an open"
        " renewal invoice) keeps the subscription before it expires (R-SUB-13)",
    )
