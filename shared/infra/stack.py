"""Runs the four services and the gateway as real processes: used by `make run` and by the
end-to-end tests, so that both exercise exactly the same start-up."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.infra import postgres
from shared.infra.directory import publish_demo_contacts
from shared.infra.kafka import TansuBroker, consumer_settings_for, free_port
from shared.infra.smtp_sink import smtp_sink

SERVICE_NAMES = ("subscriptions", "quotes", "invoicing", "payments", "notifications")
DEFAULT_PORTS = {
    "gateway": 8000,
    "subscriptions": 8001,
    "quotes": 8002,
    "invoicing": 8003,
    "payments": 8004,
    "notifications": 8005,
}


def settings_under_test(ledger_path: Path) -> dict[str, str]:
    """Settings for a stack under test or bench: fast sweeps and a clock that may move."""
    return {
        "ENVIRONMENT": "test",
        "DEV_CLOCK_ENABLED": "true",
        "RENEWAL_SWEEP_SECONDS": "0.5",
        "EXPIRY_SWEEP_SECONDS": "0.5",
        "CHARGE_PROCESSOR_SECONDS": "0.1",
        "AUTOMATIC_QUOTES_SECONDS": "0.5",
        "MAIL_DELIVERY_SECONDS": "0.2",
        "MAIL_RETRY_SECONDS": "0.2",
        "NOTICE_SWEEP_SECONDS": "0.5",
        # The tests' values from before the defaults grew for idle cost (issue 13).
        "OUTBOX_POLL_SECONDS": "0.5",
        "KAFKA_TOPIC_CHECK_SECONDS": "2",
        "DEV_CLOCK_SYNC_SECONDS": "2",
        "RETRY_JOB_SECONDS": "5",
        "SANDBOX_LEDGER_PATH": str(ledger_path),
        # The suite and the benches drive the gateway harder than one person would.
        "RATE_LIMIT_PER_SECOND": "10000",
        "RATE_LIMIT_BURST": "10000",
        # Several stacks share one PostgreSQL in a test run (max_connections is 100 by default).
        "DATABASE_POOL_SIZE": "3",
        "DATABASE_MAX_OVERFLOW": "5",
    }


@dataclass
class Stack:
    bootstrap_servers: str
    database_urls: dict[str, str]
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Where each process's log began for this start (logs are appended across runs).
    log_offsets: dict[str, int] = field(default_factory=dict)
    # Where the local SMTP sink keeps every e-mail the notifications service sends (.eml);
    # default: `mail/` beside the logs. Unused when env sets SMTP_URL.
    mail_dir: Path | None = None
    _sink: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def __post_init__(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.mail_dir = self.mail_dir or self.log_dir.parent / "mail"
        for name in (*SERVICE_NAMES, "gateway"):
            self.ports.setdefault(name, free_port())

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def _env(self, name: str) -> dict[str, str]:
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.ports[name]),
            "PYTHONUNBUFFERED": "1",
            **consumer_settings_for(self.bootstrap_servers),  # the embedded broker's, if it is
            **self.env,
        }
        if name == "gateway":
            env.update({f"{s.upper()}_URL": self.url(s) for s in SERVICE_NAMES})
        else:
            env["DATABASE_URL"] = self.database_urls[name]
        if name == "notifications":
            env.setdefault("INVOICING_URL", self.url("invoicing"))
            env.setdefault("ACCOUNT_URL", self.url("gateway"))
        return env

    def start_process(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        self.log_offsets[name] = log.seek(0, os.SEEK_END)
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env=self._env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_replica(self, name: str, index: int = 2, env: dict[str, str] | None = None) -> str:
        """One more process of a service on the same database and consumer groups, as a
        Deployment scaled out runs it; its own port, and `env` on top of the stack's settings.
        Returns its name (`quotes-2`)."""
        replica = f"{name}-{index}"
        self.ports.setdefault(replica, free_port())
        env = {**self._env(name), "HTTP_PORT": str(self.ports[replica]), **(env or {})}
        log = open(self.log_dir / f"{replica}.log", "ab")
        self.processes[replica] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return replica

    def wait_ready(self, names: tuple[str, ...], timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                proc = self.processes[name]
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {proc.returncode}; see {self.log_dir}/{name}.log"
                    )
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=1).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        if pending:
            raise TimeoutError(
                f"not ready after {timeout}s: {sorted(pending)}; logs in {self.log_dir}"
            )

    def start(self) -> Stack:
        try:
            if "SMTP_URL" not in self.env and self.mail_dir is not None:
                self.env["SMTP_URL"] = self._sink.enter_context(smtp_sink(self.mail_dir))
            for name in SERVICE_NAMES:
                self.start_process(name)
            self.wait_ready(SERVICE_NAMES)
            self.start_process("gateway")
            self.wait_ready(("gateway",))
            if self.env.get("LOAD_DEMO_DATA") == "true":
                publish_demo_contacts(self.bootstrap_servers)  # as the user directory would
        except BaseException:
            self.stop()  # never leave processes behind a failed start
            raise
        return self

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.processes.get(name)
        if proc and proc.poll() is None:
            proc.send_signal(sig)
            proc.wait(10)

    def stop_replica(self, replica: str) -> None:
        """A replica started by `start_replica` stopped cleanly and forgotten."""
        self.kill(replica, signal.SIGTERM)
        self.processes.pop(replica, None)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.processes.clear()
        self._sink.close()


@contextlib.contextmanager
def isolated_stack(root: Path, env: dict[str, str]) -> Iterator[Stack]:
    """A started stack of its own under `root`: its own broker, databases (PostgreSQL, or
    SQLite when asked) and logs; for tests that move the clock far or change shared data."""
    root.mkdir(parents=True, exist_ok=True)
    broker = TansuBroker(log_path=root / "broker.log").start()
    try:
        with postgres.test_databases(list(SERVICE_NAMES), root / "sqlite") as urls:
            own = Stack(broker.bootstrap_servers, urls, root / "logs", env).start()
            try:
                yield own
            finally:
                own.stop()
    finally:
        broker.stop()
