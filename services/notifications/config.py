from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "notifications"
    http_port: int = 8005
    smtp_url: str = Field(
        default="smtp://127.0.0.1:8025", description="smtp://[user:password@]host:port"
    )
    mail_from: str = "Billing & Orders <billing@vendor.example>"
    account_url: str = Field(
        default="http://127.0.0.1:8000", description="Where people sign in (links in e-mails)"
    )
    invoicing_url: str = Field(
        default="http://127.0.0.1:8003", description="Invoicing's API: the tax invoice PDFs"
    )
    mail_delivery_seconds: float = Field(
        default=5.0, gt=0, description="Fallback period: each event handled delivers at once"
    )
    mail_batch_size: int = Field(default=20, ge=1, le=500)
    mail_max_attempts: int = Field(
        default=5, ge=1, le=50, description="SMTP attempts before a message is parked"
    )
    mail_retry_seconds: float = Field(
        default=30.0, gt=0, description="First back-off after a refusal; doubles each time"
    )
    notice_sweep_seconds: float = Field(
        default=60.0, gt=0, description="How often renewal notices and expiring methods are due"
    )
    notice_catch_up_days: int = Field(
        default=7, ge=1, le=30, description="A notice is still sent this many days after its day"
    )
