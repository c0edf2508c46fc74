from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import NoDecode

from services.payments.domain.retries import DEFAULT_RETRY_DAYS
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "payments"
    http_port: int = 8004
    sandbox_ledger_path: str = Field(
        default="var/sandbox-psp-ledger.db",
        description="SQLite file of the sandbox PSP's own ledger (separate from our database)",
    )
    charge_processor_seconds: float = Field(
        default=2,
        gt=0,
        description="Fallback period: each event handled sends pending charges at once",
    )
    charge_processor_batch: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Charges claimed at once by one statement (and recorded in one transaction)",
    )
    charge_processor_concurrency: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Provider calls one charge processor has in flight at once",
    )
    charge_lease_seconds: float = Field(
        default=60,
        gt=0,
        description="A charge sent by a processor that died is sent again (same key) after this",
    )
    payment_retry_days: Annotated[list[float], NoDecode] = Field(
        default=list(DEFAULT_RETRY_DAYS),
        description="R-PAY-4: retries of a failed automatic charge, in days after the first "
        "failure, e.g. PAYMENT_RETRY_DAYS=1,3,5,7",
    )
    retry_job_seconds: float = Field(
        default=30,
        gt=0,
        description="How often due retries (days apart) become charges; moving the dev clock runs it",
    )
    method_expiry_seconds: float = Field(
        default=60, gt=0, description="How often cards that expired are announced as invalid"
    )
    crash_after_provider: bool = Field(
        default=False,
        validation_alias=AliasChoices("PAYMENTS_CRASH_AFTER_PROVIDER", "CRASH_AFTER_PROVIDER"),
        description="Crash test only: kill the process right after the provider accepted a charge",
    )

    @field_validator("payment_retry_days", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.replace(" ", "").split(",") if part]
        return value

    @field_validator("payment_retry_days")
    @classmethod
    def _increasing(cls, days: list[float]) -> list[float]:
        if any(d <= 0 for d in days) or days != sorted(set(days)) or len(days) > 20:
            raise ValueError("PAYMENT_RETRY_DAYS: at most 20 increasing positive numbers of days")
        return days

    @model_validator(mode="after")
    def _no_crash_hook_in_prod(self) -> Settings:
        if self.crash_after_provider and self.environment == "prod":
            raise ValueError("PAYMENTS_CRASH_AFTER_PROVIDER is a test hook; never set it in prod")
        return self
