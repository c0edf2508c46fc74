"""The event envelope and the base of every contract (contracts live beside it, by producer).

These pydantic models are the contract with other company systems: change them
additively only; a breaking change is a new `version`. JSON Schema snapshots of
every contract live in docs/events/ and tests/contracts fails on a breaking change.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Term = Literal["monthly", "annual", "three_year"]
Collection = Literal["automatic", "manual"]


class Envelope(BaseModel):
    """The one wrapper every event travels in; `data` holds the contract below."""

    model_config = ConfigDict(extra="forbid")

    event_id: uuid.UUID = Field(description="Unique id; consumers deduplicate on it")
    type: str = Field(description="Event type, equal to its topic", examples=["invoice-paid"])
    version: int = Field(ge=1, description="Contract version of `data`")
    occurred_at: datetime = Field(description="When it happened (UTC)")
    producer: str = Field(description="Service that wrote it", examples=["invoicing"])
    correlation_id: str = Field(description="Request id or root event id of the whole flow")
    causation_id: str | None = Field(default=None, description="event_id that caused this one")
    key: str = Field(description="Aggregate id; also the Kafka message key")
    data: dict[str, Any]


class EventData(BaseModel):
    """Base of every event contract; `topic` and `version` are fixed per class."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    topic: ClassVar[str]
    version: ClassVar[int] = 1

    def aggregate_key(self) -> str:
        raise NotImplementedError


class MoneyField(BaseModel):
    model_config = ConfigDict(frozen=True)
    amount: int = Field(description="Integer minor units", examples=[12900])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class DeadLettered(EventData):
    """A message a consumer could not process, parked with its error."""

    topic: ClassVar[str] = "dead-lettered"
    source_topic: str
    partition: int | None
    offset: int | None
    consumer_group: str
    error: str
    payload: str = Field(description="The original message value, as text")

    def aggregate_key(self) -> str:
        return self.source_topic


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
