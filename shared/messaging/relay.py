"""Outbox relay: publishes unsent outbox rows to Kafka in id order, marks them sent once the
broker confirmed, and retries (with back-off) for as long as the broker is unreachable.

One relay at a time per database publishes, so that N replicas of a service never reorder the
events of one key nor send one row twice: a PostgreSQL advisory lock, or on SQLite an exclusive
`flock` on a file beside the database (replicas sharing a SQLite file run on one machine).

The relay sleeps until woken: by a commit of its own process (`wake()`, called by the unit of
work), and on PostgreSQL by a commit of any replica (the unit of work sends `NOTIFY
outbox_<service>` in the committing transaction; the relay LISTENs on a dedicated connection,
reconnected after a database restart). A fallback poll every `poll_seconds` (1 s by default)
finds what a lost notification would otherwise leave waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.db import SQLITE_AUTOCOMMIT
from shared.observability.metrics import outbox_published
from shared.observability.tracing import relaying

log = logging.getLogger(__name__)


def notify_channel(service_name: str) -> str:
    """The PostgreSQL channel a service's commits notify and its relays listen on."""
    return f"outbox_{service_name}"


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        bootstrap_servers: str,
        *,
        service_name: str,
        poll_seconds: float = 1.0,
        batch_size: int = 500,
        max_backoff_seconds: float = 5.0,
        listen: bool = True,
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
        self.channel = notify_channel(service_name)
        # LISTEN where replicas share the database over the network (PostgreSQL); SQLite
        # replicas find each other's rows by the fallback poll.
        self.listen = listen and engine.dialect.name == "postgresql"
        self.listening = False

    def wake(self) -> None:
        """Rows were committed: publish now (the relay also polls every `poll_seconds`)."""
        self._wake.set()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _listen(self) -> None:
        """Keep a LISTEN connection open for as long as the relay runs, reconnecting (with
        back-off) after a database restart; each (re)connection wakes the relay once, for what
        was committed while nobody listened."""
        import asyncpg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 0.5
        while not self._stopping.is_set():
            conn: Any = None
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(self.channel, self._on_notify)
                self.listening, delay = True, 0.5
                self.wake()
                while not lost.is_set():
                    try:  # a dead peer without a FIN is only seen when the socket is used
                        await asyncio.wait_for(lost.wait(), timeout=30)
                    except TimeoutError:
                        await conn.execute("SELECT 1", timeout=5)
                log.warning("outbox relay lost its LISTEN connection; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay cannot LISTEN (retrying in %.1fs): %r", delay, exc)
            finally:
                self.listening = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
            delay = min(delay * 2, self.max_backoff)

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

    @contextlib.contextmanager
    def _sqlite_turn(self) -> Iterator[bool]:
        """On SQLite, whether this relay has the file's relay lock (held until the batch is
        marked sent); always true elsewhere and for an in-memory database."""
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            yield True
            return
        fd = os.open(f"{database}.relay-lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False  # another replica's relay is publishing this file's rows
                return
            yield True
        finally:
            os.close(fd)  # releases the lock

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were confirmed by the broker."""
        with self._sqlite_turn() as my_turn:
            return await self._publish_batch() if my_turn else 0

    async def _publish_batch(self) -> int:
        table = self.table
        # On SQLite the relay lock above keeps other relays out: the statements need not hold
        # SQLite's one write lock while the broker confirms.
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
        listener = (
            asyncio.create_task(self._listen(), name="outbox-listen") if self.listen else None
        )
        retry = 0.0
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before reading: a commit from now on wakes the next round
                try:
                    sent = await self.publish_batch()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    retry = min(max(retry * 2, 0.2), self.max_backoff)
                    log.warning(
                        "outbox relay could not publish (retrying in %.1fs): %r", retry, exc
                    )
                    await self._drop_producer()
                    with contextlib.suppress(TimeoutError):  # commits do not shorten a back-off
                        await asyncio.wait_for(self._stopping.wait(), timeout=retry)
                    continue
                retry = 0.0
                if sent >= self.batch_size:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener

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
