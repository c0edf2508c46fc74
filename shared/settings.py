"""Settings base shared by every process: one object per process, read from the environment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INTERNAL_TOKEN = "dev-internal-token"


class ServiceSettings(BaseSettings):
    """What every service process reads; each service subclasses it with its own defaults."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str
    environment: Literal["dev", "test", "prod"] = "dev"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8001, ge=1, le=65535)
    database_url: str = ""
    database_pool_size: int = Field(default=10, ge=1, le=200, description="Kept connections")
    database_max_overflow: int = Field(default=10, ge=0, le=200, description="Beyond the pool")
    kafka_bootstrap_servers: str = ""
    kafka_topic_partitions: int = Field(
        default=6, ge=1, le=1000, description="For topics this service creates"
    )
    kafka_topic_check_seconds: float = Field(
        default=10, gt=0, le=300, description="How often missing topics are created again"
    )
    internal_token: str = DEV_INTERNAL_TOKEN
    outbox_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=10,
        description="Fallback poll of the outbox relay; commits wake it (NOTIFY on PostgreSQL)",
    )
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    # A killed replica's partitions move to the others once its session expires: 6 s is the
    # smallest session a Kafka broker accepts by default (group.min.session.timeout.ms). Stacks
    # on the embedded Tansu broker use 3 s / 1 s (shared/infra/kafka.py, issue 16).
    consumer_session_timeout_ms: int = Field(default=6_000, ge=1_000, le=300_000)
    # How long the broker may hold an empty fetch: each subscriber sends one fetch per wait at
    # rest, so a short wait costs CPU in every process (and in the broker); aiokafka's 500 ms.
    consumer_fetch_max_wait_ms: int = Field(default=500, ge=10, le=10_000)
    # ... and while records flow (a poll brought some, until one brings none): on the embedded
    # broker each hop of a flow waits about a quarter of the fetch wait (FetchWaits).
    consumer_fetch_busy_wait_ms: int = Field(default=200, ge=10, le=10_000)
    consumer_heartbeat_interval_ms: int = Field(default=2_000, ge=100, le=60_000)
    # Batch consumers (shared/messaging/batch.py): at most this many records per poll, handled
    # in one transaction; a poll returns as soon as a record is there, and at rest after
    # consumer_batch_wait_ms (each empty poll is one wake-up of an idle process).
    consumer_batch_max_records: int = Field(default=200, ge=1, le=5_000)
    consumer_batch_wait_ms: int = Field(default=1_000, ge=1, le=5_000)
    idempotency_ttl_hours: float = Field(
        default=24, ge=24, le=24 * 30, description="How long an Idempotency-Key is kept"
    )
    idempotency_wait_seconds: float = Field(
        default=10, ge=0, le=60, description="How long a duplicate waits for the first request"
    )
    idempotency_lease_seconds: float = Field(
        default=60, gt=0, le=3600, description="After this, a key whose request died is retaken"
    )
    idempotency_purge_seconds: float = Field(default=600, gt=0, description="Purge period")
    dev_clock_enabled: bool = False
    dev_clock_sync_seconds: float = Field(
        default=10,
        gt=0,
        le=60,
        description="How often a replica reads the stored dev clock (the one told runs at once)",
    )
    load_demo_data: bool = False
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_dev_defaults_outside_dev(self) -> ServiceSettings:
        if self.environment == "prod":
            if self.internal_token == DEV_INTERNAL_TOKEN:
                raise ValueError("INTERNAL_TOKEN must be set to a secret value outside dev/test")
            if self.dev_clock_enabled:
                raise ValueError("DEV_CLOCK_ENABLED is for dev/test only")
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///var/{self.service_name}.db"
        return self
