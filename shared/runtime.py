"""What every service process does besides its own rules: migrate its database, serve its
FastAPI app, run its faststream subscribers, relay its outbox and run its periodic jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, Field
from sqlalchemy import MetaData, text

from shared import devclock_store
from shared.clock import AdjustableClock
from shared.db import create_engine, session_factory, upgrade_to_head
from shared.http import install_error_handlers, internal_auth, request_id
from shared.idempotency.middleware import IdempotencyMiddleware
from shared.idempotency.store import IdempotencyStore
from shared.messaging.broker_logs import quiet_recovered_broker_events
from shared.messaging.consumer import EventConsumer
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.messaging.topics import TopicKeeper, no_implicit_topic_creation, service_topics
from shared.messaging.transient import is_transient
from shared.observability.logging import configure_logging
from shared.observability.metrics import broker_middlewares, install_metrics, refresh_service
from shared.observability.tracing import instrument_app
from shared.request_guard import RequestGuardMiddleware
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)
U = TypeVar("U", bound=UnitOfWork)

Job = Callable[["Service[Any]"], Awaitable[Any]]


class Service(Generic[U]):
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        metadata: MetaData,
        tables: MessagingTables,
        migrations: Path,
        uow_class: type[U],
        clock: AdjustableClock | None = None,
    ) -> None:
        self.settings = settings
        self.name = settings.service_name
        self.metadata = metadata
        self.tables = tables
        self.migrations = migrations
        self.uow_class = uow_class
        self.clock = clock or AdjustableClock()
        self.engine = create_engine(
            settings.database_url, settings.database_pool_size, settings.database_max_overflow
        )
        self.sessions = session_factory(self.engine)
        self.broker = self._broker(settings)
        self.topics = TopicKeeper(
            settings.kafka_bootstrap_servers, service_topics(), settings.kafka_topic_partitions
        )
        self.consumer = self._consumer(settings)
        self.relay = OutboxRelay(
            self.engine,
            tables.outbox,
            settings.kafka_bootstrap_servers,
            service_name=self.name,
            poll_seconds=settings.outbox_poll_seconds,
            batch_size=settings.outbox_batch_size,
        )
        self.consumer.after_commit = self._after_event
        self.idempotency = IdempotencyStore(
            self.engine,
            tables.idempotency_keys,
            self.clock,
            ttl=timedelta(hours=settings.idempotency_ttl_hours),
            lease=timedelta(seconds=settings.idempotency_lease_seconds),
        )
        self.jobs: list[tuple[str, float, Job]] = []
        self._kicks: dict[str, asyncio.Event] = {}  # per job: run it now
        # jobs that a consumed event runs at once: of any topic (None), or of these topics
        self._on_events: dict[str, frozenset[str] | None] = {}
        self.on_startup: list[Job] = []
        self.routers: list[APIRouter] = []
        self.broker_connected = False
        self._tasks: list[asyncio.Task[Any]] = []
        self._schedule_own_jobs(settings)

    def _broker(self, settings: ServiceSettings) -> KafkaBroker:
        logger = logging.getLogger(f"{self.name}.kafka")
        quiet_recovered_broker_events(logger)  # a broker restart is one WARNING line, not a trace
        return KafkaBroker(
            settings.kafka_bootstrap_servers or "127.0.0.1:9092",
            client_id=self.name,
            logger=logger,
            middlewares=broker_middlewares(self.name),  # faststream_* message metrics
        )

    def _consumer(self, settings: ServiceSettings) -> EventConsumer:
        return EventConsumer(
            self.broker,
            self.uow,
            self.name,
            max_attempts=settings.consumer_max_attempts,
            batch_max_records=settings.consumer_batch_max_records,
            batch_wait_ms=settings.consumer_batch_wait_ms,
            fetch_busy_wait_ms=settings.consumer_fetch_busy_wait_ms,
            group_settings={
                "session_timeout_ms": settings.consumer_session_timeout_ms,
                "heartbeat_interval_ms": settings.consumer_heartbeat_interval_ms,
                "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
            },
        )

    def _schedule_own_jobs(self, settings: ServiceSettings) -> None:
        """What every service runs periodically besides its own rules."""

        @self.periodic("idempotency-purge", settings.idempotency_purge_seconds)
        async def purge_idempotency_keys(svc: Service[Any]) -> None:
            await svc.idempotency.purge_expired()

        @self.periodic("kafka-topics", settings.kafka_topic_check_seconds)
        async def recreate_missing_topics(svc: Service[Any]) -> None:
            await svc.topics.ensure()  # a restarted memory broker forgot them all

        if settings.dev_clock_enabled:  # replicas follow the stored offset (dev/test only)
            self.periodic("dev-clock-sync", settings.dev_clock_sync_seconds)(self._sync_dev_clock)

    async def _sync_dev_clock(self, _: Service[Any]) -> None:
        stored = timedelta(seconds=await devclock_store.stored_offset(self.engine))
        if stored > self.clock.offset:
            self.clock.set_offset(stored)
            self.run_jobs_now()

    def uow(self, correlation_id: str | None = None, causation_id: str | None = None) -> U:
        uow = self.uow_class(
            self.sessions,
            self.clock,
            self.name,
            self.tables,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        # Every commit that wrote outbox rows wakes this process's relay, and the relays of the
        # other replicas through NOTIFY (PostgreSQL): requests, consumers and jobs alike.
        uow.after_commit = self.relay.wake
        if self.relay.listen:
            uow.notify_channel = self.relay.channel
        return uow

    def periodic(
        self,
        name: str,
        every_seconds: float,
        *,
        on_events: bool | Collection[str] = False,
    ) -> Callable[[Job], Job]:
        """Register a periodic job; it must be safe with N replicas running it at once. With
        `on_events`, each batch of events this process's consumers handle also runs it at once
        (when the work it does is made by events, e.g. charges to send): its period is a
        fallback. `on_events` may name the topics whose events make that work: a batch of
        another topic then leaves the job alone (each run costs queries even with nothing to
        do)."""

        def register(job: Job) -> Job:
            self.jobs.append((name, every_seconds, job))
            self._kicks[name] = asyncio.Event()
            if on_events:
                self._on_events[name] = None if on_events is True else frozenset(on_events)
            return job

        return register

    def _after_event(self, topic: str) -> None:
        # The relay is not woken here: a unit of work that wrote outbox rows did already, and
        # waking it after every batch cost a relay round (lock, read) for nothing.
        for name, topics in self._on_events.items():
            if topics is None or topic in topics:
                self._kicks[name].set()

    def run_jobs_now(self) -> None:
        """The dev clock moved: what fell due is swept now, not at the next period."""
        for kick in self._kicks.values():
            kick.set()

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if not self.settings.kafka_bootstrap_servers:
            raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set (make run starts a broker)")
        await upgrade_to_head(self.engine, self.migrations)
        if self.settings.dev_clock_enabled:
            await devclock_store.ensure_table(self.engine)
            await self._sync_dev_clock(self)
        for hook in self.on_startup:
            await hook(self)
        self._tasks.append(asyncio.create_task(self._start_broker(), name="broker"))
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        for name, every, job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(name, every, job), name=name))
        log.info("%s started", self.name)

    async def _start_broker(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.topics.ensure()
                await self._start_subscribers_together()
                self.broker_connected = True
                return
            except Exception as exc:
                log.warning("broker not reachable yet (%r); retrying in %.1fs", exc, delay)
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)

    async def _start_subscribers_together(self) -> None:
        """broker.start() joins one consumer group after another, and each first join waits
        for the broker's initial rebalance delay (~3-5 s): start them concurrently instead."""
        await self.broker.connect()
        await asyncio.gather(*(sub.start() for sub in self.broker.subscribers))
        for pub in self.broker.publishers:
            await pub.start()
        self.broker.running = True

    async def _loop(self, name: str, every: float, job: Job) -> None:
        kick = self._kicks[name]
        outage = Outage(f"periodic job {name}")
        while True:
            kick.clear()  # before the run: an event handled during it runs the job again
            try:
                await job(self)
                outage.over()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):  # a database or broker restarting: no traceback needed
                    outage.failed(exc, every)
                else:
                    log.exception("periodic job %s failed; next run in %.1fs", name, every)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(kick.wait(), timeout=every)

    async def stop(self) -> None:
        await self.relay.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.broker.stop()
        await self.topics.close()
        await self.engine.dispose()

    # --- HTTP --------------------------------------------------------------------------------
    def create_app(self) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title=f"Billing & Orders — {self.name}", version="1.0.0", lifespan=lifespan)
        app.state.service = self
        # Inside the request-id middleware (installed last), so that replays carry the id too.
        app.add_middleware(
            IdempotencyMiddleware,
            store=self.idempotency,
            internal_token=self.settings.internal_token,
            wait_seconds=self.settings.idempotency_wait_seconds,
        )
        app.add_middleware(RequestGuardMiddleware)  # before a key is kept for a refused body
        install_error_handlers(app)
        install_metrics(app, self.name, refresh=lambda: refresh_service(self))  # /metrics
        instrument_app(app, self.name, self.engine)  # OpenTelemetry, when OTEL_* turns it on
        app.include_router(self._ops_router())
        guarded = [Depends(internal_auth(self.settings.internal_token))]
        for router in self.routers:
            app.include_router(router, dependencies=guarded)
        if self.settings.dev_clock_enabled:
            app.include_router(self._dev_router(), dependencies=guarded)
        return app

    def _ops_router(self) -> APIRouter:
        router = APIRouter(tags=["operations"])

        @router.get("/healthz", summary="Liveness")
        async def healthz() -> dict[str, str]:
            return {"status": "ok", "service": self.name}

        @router.get("/readyz", summary="Readiness: database reachable, broker connected")
        async def readyz() -> dict[str, Any]:
            try:
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            except Exception as exc:
                raise HTTPException(503, f"database unavailable: {exc!r}") from exc
            if not self.broker_connected:
                raise HTTPException(503, "broker not connected yet")
            return {
                "status": "ready",
                "service": self.name,
                "relay_connected": self.relay.connected,
                **self._groups_joined(),
            }

        return router

    def _groups_joined(self) -> dict[str, int]:
        """Consumer groups with partitions assigned to this process, out of all of them."""
        consumers = [getattr(sub, "consumer", None) for sub in self.broker.subscribers]
        joined = sum(1 for c in consumers if c is not None and _fetching(c))
        return {"groups_joined": joined, "groups": len(consumers)}

    def _dev_router(self) -> APIRouter:
        router = APIRouter(prefix="/internal/dev", tags=["dev"])

        @router.get("/clock", response_model=ClockState)
        async def get_clock() -> ClockState:
            return ClockState(now=self.clock.now().isoformat(), offset_seconds=self._offset())

        @router.put("/clock", response_model=ClockState)
        async def set_clock(body: ClockOffset) -> ClockState:
            try:
                self.clock.set_offset(timedelta(seconds=body.offset_seconds))
            except ValueError as exc:
                raise HTTPException(409, str(exc)) from exc
            await devclock_store.store_offset(self.engine, body.offset_seconds)
            self.run_jobs_now()
            return ClockState(now=self.clock.now().isoformat(), offset_seconds=self._offset())

        return router

    def _offset(self) -> int:
        return int(self.clock.offset.total_seconds())

    def serve(self) -> None:
        configure_logging(
            self.name, level=self.settings.log_level, environment=self.settings.environment
        )
        logging.getLogger(f"{self.name}.kafka").setLevel(logging.WARNING)
        logging.getLogger("aiokafka").setLevel(logging.WARNING)
        no_implicit_topic_creation()  # only the topic keeper creates, with the partition count
        uvicorn.run(
            self.create_app(),
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_level="warning",
            access_log=False,
            log_config=None,  # uvicorn logs through configure_logging's handler
        )


def _fetching(consumer: Any) -> bool:
    """Partitions assigned and no rebalance under way (aiokafka's fetcher waits on the same)."""
    subscription = getattr(consumer, "_subscription", None)
    rejoining = bool(getattr(subscription, "reassignment_in_progress", False))
    return bool(consumer.assignment()) and not rejoining


class ClockOffset(BaseModel):
    offset_seconds: int = Field(ge=0, description="Seconds ahead of real time; never decreases")


class ClockState(BaseModel):
    now: str
    offset_seconds: int


def service_of(request: Request) -> Service[Any]:
    return request.app.state.service  # type: ignore[no-any-return]


async def uow_for_request(request: Request) -> AsyncIterator[UnitOfWork]:
    """A unit of work per request; the handler commits (which wakes the relay when it wrote
    events: a read wakes nothing)."""
    service = service_of(request)
    async with service.uow(correlation_id=request_id(request)) as uow:
        yield uow


class Outage:
    """What a job logs while the database or the broker is down: its first failure, then one
    line a minute while it lasts, and one when it is over (a job running every 0.1 s logged
    ten lines a second during a 30 s PostgreSQL outage)."""

    REPEAT_SECONDS = 60.0

    def __init__(self, what: str) -> None:
        self.what = what
        self.since: float | None = None
        self.failures = 0
        self.last_logged = 0.0

    def failed(self, exc: BaseException, every: float) -> None:
        now = time.monotonic()
        self.failures += 1
        if self.since is None:
            self.since, self.last_logged = now, now
            log.warning("%s: %r; retrying every %.1fs", self.what, exc, every)
        elif now - self.last_logged >= self.REPEAT_SECONDS:
            self.last_logged = now
            log.warning(
                "%s: still failing after %.0fs (%d runs): %r",
                self.what,
                now - self.since,
                self.failures,
                exc,
            )

    def over(self) -> None:
        if self.since is not None:
            log.warning(
                "%s: running again after %.1fs (%d failed runs)",
                self.what,
                time.monotonic() - self.since,
                self.failures,
            )
            self.since, self.failures = None, 0
