from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "payments"
    http_port: int = 8004
    sandbox_ledger_path: str = Field(
        default="var/sandbox-psp-ledger.db",
        description="SQLite file of the sandbox PSP's own ledger (separate from our database)",
    )
    charge_processor_seconds: float = Field(
        default=0.2, gt=0, description="How often pending charges are sent to the provider"
    )
    charge_processor_batch: int = Field(default=100, ge=1, le=10_000)
