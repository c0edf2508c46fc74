from __future__ import annotations

from sqlalchemy import Column, Date, Integer, MetaData, String, Table
from sqlalchemy.orm import registry

from services.quotes.domain.model import Quote
from shared.messaging.tables import define_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
messaging = define_messaging_tables(metadata)

quotes = Table(
    "quotes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("csn", String(32), nullable=False, index=True),
    Column("origin", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Integer, nullable=False),
    Column("expiry_date", Date, nullable=False),
    Column("partner_csn", String(32), nullable=True),
)

if not mapper_registry.mappers:
    mapper_registry.map_imperatively(Quote, quotes)
