from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import DEV_INTERNAL_TOKEN

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    jwt_secret: str = DEV_JWT_SECRET
    jwt_audience: str = "billing-orders"
    jwt_issuer: str = "billing-orders-dev"
    internal_token: str = DEV_INTERNAL_TOKEN
    subscriptions_url: str = "http://127.0.0.1:8001"
    quotes_url: str = "http://127.0.0.1:8002"
    invoicing_url: str = "http://127.0.0.1:8003"
    payments_url: str = "http://127.0.0.1:8004"
    service_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    dev_clock_enabled: bool = False
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_dev_defaults_outside_dev(self) -> GatewaySettings:
        if self.environment == "prod":
            if self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ValueError(
                    "JWT_SECRET must be a secret of at least 32 characters outside dev/test"
                )
            if self.internal_token == DEV_INTERNAL_TOKEN:
                raise ValueError("INTERNAL_TOKEN must be set to a secret value outside dev/test")
            if self.dev_clock_enabled:
                raise ValueError("DEV_CLOCK_ENABLED is for dev/test only")
        return self

    def service_url(self, service: str) -> str:
        return str(getattr(self, f"{service}_url")).rstrip("/")


SERVICES = ("subscriptions", "quotes", "invoicing", "payments")
