"""Outbox relay: publishes unsent outbox rows to Kafka in id order, marks them sent once the
broker confirmed, and retries (with back-off) for as long as the broker is unreachable.

One relay at a time per database holds a PostgreSQL advisory lock, so that N replicas of a
service never reorder the events of one key.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.db import SQLITE_AUTOCOMMIT
from shared.observability.metrics import outbox_published
from shared.observability.tracing import relaying

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        bootstrap_servers: str,
        *,
        service_name: str,
        poll_seconds: float = 0.05,
        batch_size: int = 500,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self.engine = engine
        self.table = table
        self.bootstrap_servers = bootstrap_servers
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_backoff = max_backoff_seconds
        self.lock_id = zlib.crc32(f"outbox-relay:{service_name}".encode())
        self.service_name = service_name
        self._producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self.published_total = 0
        self.connected = False

    def wake(self) -> None:
        """Hint that new rows were committed; the relay also polls on its own."""
        self._wake.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers,
                acks="all",
                linger_ms=2,
                request_timeout_ms=10_000,
                retry_backoff_ms=200,
            )
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
            self.connected = True
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        self.connected = False
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:
                log.debug("producer stop failed", exc_info=True)

    async def _take_lock(self, conn: AsyncConnection) -> bool:
        if conn.dialect.name != "postgresql":
            return True
        got = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self.lock_id})
        return bool(got)

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were confirmed by the broker."""
        table = self.table
        # One relay per SQLite file: its statements need not hold the write lock meanwhile.
        engine = self.engine.execution_options(**{SQLITE_AUTOCOMMIT: True})
        async with engine.begin() as conn:
            if not await self._take_lock(conn):
                return 0
            rows = (
                await conn.execute(
                    select(
                        table.c.id,
                        table.c.topic,
                        table.c.message_key,
                        table.c.payload,
                        table.c.created_at,
                        table.c.traceparent,
                    )
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            producer = await self._ensure_producer()
            # send() enqueues in order; one partition's batches are sent in that order.
            with relaying(self.service_name, rows) as headers:  # traceparent of each row
                futures = [
                    await producer.send(
                        r.topic, r.payload.encode(), key=r.message_key.encode(), headers=h
                    )
                    for r, h in zip(rows, headers, strict=True)
                ]
                await asyncio.wait_for(asyncio.gather(*futures), timeout=30)
            await conn.execute(
                update(table)
                .where(table.c.id.in_([r.id for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        self.published_total += len(rows)
        outbox_published(self.service_name, rows)  # metrics
        return len(rows)

    async def run(self) -> None:
        backoff = self.poll_seconds
        while not self._stopping.is_set():
            try:
                sent = await self.publish_batch()
                backoff = self.poll_seconds
                if sent >= self.batch_size:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay could not publish (retrying in %.1fs): %r", backoff, exc)
                await self._drop_producer()
                backoff = min(max(backoff * 2, 0.2), self.max_backoff)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        await self._drop_producer()


async def pending_count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                select(func.count()).select_from(table).where(table.c.published_at.is_(None))
            )
            or 0
        )
