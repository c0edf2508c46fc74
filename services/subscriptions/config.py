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
