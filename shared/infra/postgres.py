"""Where test databases come from: PostgreSQL on 127.0.0.1:5432 when reachable (a fresh
database per run), else a testcontainers PostgreSQL where Docker runs, else SQLite files.
Under CI (CI=true) SQLite is never a fallback: PostgreSQL is started, or the run fails loudly.
`TEST_DATABASE_BACKEND=sqlite` asks for SQLite on purpose: the `make run` default, which
`make test` exercises in a second pass."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from shared.infra.kafka import docker_available

log = logging.getLogger(__name__)

LOCAL_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _reachable(dsn: str) -> bool:
    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def _start_local_cluster() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
    if not versions:
        raise RuntimeError("CI=true: PostgreSQL is not reachable and no local cluster is installed")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        check=False,
    )


def _admin(dsn: str, statements: list[str]) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _async_url(dsn: str, database: str) -> str:
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


@contextlib.contextmanager
def test_databases(names: list[str], sqlite_dir: Path) -> Iterator[dict[str, str]]:
    """Yield one fresh DATABASE_URL per name; dropped afterwards."""
    if sqlite_requested():
        yield _sqlite_databases(names, sqlite_dir)
        return
    admin = os.environ.get("TEST_POSTGRES_ADMIN_DSN", LOCAL_ADMIN_DSN)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not _reachable(admin) and in_ci:
        log.warning("CI: PostgreSQL not reachable, starting the local cluster")
        _start_local_cluster()
        for _ in range(30):
            if _reachable(admin):
                break
            import time

            time.sleep(1)
        else:
            raise RuntimeError(f"CI=true and PostgreSQL is not reachable at {admin}")
    if _reachable(admin):
        yield from _fresh_databases(admin, names)
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as pg:
            yield from _fresh_databases(pg.get_connection_url(), names)
        return
    if in_ci:
        raise RuntimeError("CI=true: refusing to fall back to SQLite")
    yield _sqlite_databases(names, sqlite_dir)


def sqlite_requested() -> bool:
    """The embedded default (`make run`'s SQLite files) asked for by name."""
    return os.environ.get("TEST_DATABASE_BACKEND", "").lower() == "sqlite"


def _sqlite_databases(names: list[str], sqlite_dir: Path) -> dict[str, str]:
    sqlite_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    return {n: f"sqlite+aiosqlite:///{sqlite_dir}/{n}-{run_id}.db" for n in names}


def _fresh_databases(admin: str, names: list[str]) -> Iterator[dict[str, str]]:
    run_id = uuid.uuid4().hex[:10]
    dbs = {n: f"billing_test_{run_id}_{n}" for n in names}
    _admin(admin, [f'CREATE DATABASE "{db}"' for db in dbs.values()])
    try:
        yield {n: _async_url(admin, db) for n, db in dbs.items()}
    finally:
        with contextlib.suppress(Exception):
            _admin(admin, [f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)' for db in dbs.values()])
