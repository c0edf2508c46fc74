"""Database engine, sessions and migrations (the unit of work that commits is shared/uow.py)."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Enum, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)
_MIGRATION_LOCK = 7_412_903_311
# Execution option: on SQLite, run each statement in its own transaction (no BEGIN IMMEDIATE).
SQLITE_AUTOCOMMIT = "sqlite_autocommit"


def is_sqlite(url_or_engine: str | AsyncEngine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def create_engine(database_url: str, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    if is_sqlite(database_url):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            # WAL persists in the file: switching again needs SQLite's exclusive lock, which a
            # busy peer (another pool connection, another replica) answers with "locked".
            cur.execute("PRAGMA journal_mode")
            if cur.fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            dbapi_conn.isolation_level = None  # the driver's own BEGIN comes too late: see below

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # The driver begins a transaction at the first write, after the reads it depends
            # on, and SQLite ignores FOR UPDATE: two requests could both read a credit note's
            # balance and both spend it. BEGIN IMMEDIATE takes SQLite's one write lock at the
            # start instead, so read-modify-write transactions run one after another, as row
            # locks make them on PostgreSQL. Work that must not hold it (the outbox relay
            # while it waits for the broker) asks for SQLITE_AUTOCOMMIT.
            if not conn.get_execution_options().get(SQLITE_AUTOCOMMIT):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pool_pre_ping: it costs a round trip on every checkout (one per unit of work; measured
    # with bench/checkout_cost.py: about a third more client CPU and two thirds more backend CPU
    # on a short transaction). A connection PostgreSQL dropped (a restart) fails its next use
    # instead; SQLAlchemy then invalidates the whole pool, so one unit of work per process sees
    # the error, and it is transient (shared/messaging/transient.py): a consumer redelivers the
    # message without counting towards parking, a request answers 503 to try again, a periodic
    # job runs again on its next turn.
    return create_async_engine(database_url, pool_size=pool_size, max_overflow=max_overflow)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def _alembic_config(script_location: Path, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade_to_head(engine: AsyncEngine, script_location: Path) -> None:
    """Run the service's Alembic migrations on start-up (idempotent)."""

    def _upgrade(conn: Connection) -> None:
        command.upgrade(_alembic_config(script_location, conn), "head")

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # N replicas start at once: one migrates at a time
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        await conn.run_sync(_upgrade)


def run_migrations_env(target_metadata: Any) -> None:
    """Body of each service's migrations/env.py: online mode on a given connection."""
    from alembic import context

    conn = context.config.attributes.get("connection")
    if conn is None:  # plain `alembic` CLI: build one from DATABASE_URL
        import os

        url = os.environ["DATABASE_URL"]
        engine = create_engine(url)

        async def _run() -> None:
            async with engine.begin() as c:
                await c.run_sync(_configure_and_run, target_metadata)
            await engine.dispose()

        asyncio.run(_run())
        return
    _configure_and_run(conn, target_metadata)


def _configure_and_run(conn: Connection, target_metadata: Any) -> None:
    from alembic import context

    context.configure(
        connection=conn,
        target_metadata=target_metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def str_enum(enum_class: type[StrEnum], name: str, length: int = 30) -> Enum:
    """A StrEnum stored as its value in a VARCHAR (no native enum type: migrations stay simple)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
