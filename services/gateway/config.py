from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import DEV_INTERNAL_TOKEN

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"
DEV_ENVIRONMENTS = frozenset({"dev", "test"})


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    # Bearer tokens. Production: RS256 public keys of the identity provider (JWKS file, PEMs).
    # Development and tests: an HS256 shared secret too (the dev one when JWT_SECRET is unset).
    jwt_secret: str | None = Field(default=None, description="HS256 secret; dev/test only")
    jwt_public_keys: list[str] = Field(
        default_factory=list, description="RS256 PEM public keys (JSON list in the environment)"
    )
    jwt_jwks_file: Path | None = Field(default=None, description="RS256 keys as a JWKS file")
    jwt_audience: str = "billing-orders"
    jwt_issuer: str = "billing-orders-dev"
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    internal_token: str = DEV_INTERNAL_TOKEN
    subscriptions_url: str = "http://127.0.0.1:8001"
    quotes_url: str = "http://127.0.0.1:8002"
    invoicing_url: str = "http://127.0.0.1:8003"
    payments_url: str = "http://127.0.0.1:8004"
    notifications_url: str = "http://127.0.0.1:8005"
    service_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Per caller (subject + CSN) and per gateway replica: see ratelimit.py.
    rate_limit_per_second: float = Field(default=20, gt=0, le=100_000)
    rate_limit_burst: int = Field(default=60, ge=1, le=1_000_000)
    # Summary dashboard: each service's part is awaited this long at most (R-SUM-1..4).
    dashboard_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    dashboard_list_limit: int = Field(default=20, ge=1, le=200)
    dev_clock_enabled: bool = False
    cors_origins: list[str] = Field(default_factory=list)
    # The web app (web/, built by `make web`) and how it signs in: OIDC in prod (docs/web.md).
    web_dist: Path = Path(__file__).resolve().parents[2] / "web" / "dist"
    oidc_authority: str | None = Field(default=None, description="issuer URL of the IdP")
    oidc_client_id: str = "billing-orders-web"
    oidc_scope: str = "openid profile"
    # Which token the app sends as the bearer: the IdP's access token, or its ID token.
    oidc_token: Literal["access_token", "id_token"] = "access_token"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_dev_defaults_outside_dev(self) -> GatewaySettings:
        if self.jwt_secret is not None and len(self.jwt_secret) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters")
        if self.environment in DEV_ENVIRONMENTS:
            return self
        if self.jwt_secret is not None:
            raise ValueError(
                "JWT_SECRET (HS256) is for dev/test only: configure the identity provider's "
                "RS256 keys with JWT_JWKS_FILE or JWT_PUBLIC_KEYS"
            )
        if not self.jwt_public_keys and self.jwt_jwks_file is None:
            raise ValueError("set JWT_JWKS_FILE or JWT_PUBLIC_KEYS (RS256) outside dev/test")
        if self.internal_token == DEV_INTERNAL_TOKEN:
            raise ValueError("INTERNAL_TOKEN must be set to a secret value outside dev/test")
        if self.dev_clock_enabled:
            raise ValueError("DEV_CLOCK_ENABLED is for dev/test only")
        return self

    @property
    def hs256_secret(self) -> str | None:
        """The HS256 secret tokens may be signed with: none outside dev/test."""
        if self.environment not in DEV_ENVIRONMENTS:
            return None
        return self.jwt_secret or DEV_JWT_SECRET

    def service_url(self, service: str) -> str:
        return str(getattr(self, f"{service}_url")).rstrip("/")


SERVICES = ("subscriptions", "quotes", "invoicing", "payments", "notifications")
