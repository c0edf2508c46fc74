"""A SIGKILLed consumer's group consumes again within seconds on the embedded broker (issue 16).

Tansu 0.6.0 hands a killed member's partitions to its replacement only once the dead member's
session has expired, so the embedded broker's services use 3 s sessions
(`shared/infra/kafka.py` EMBEDDED_CONSUMER_SETTINGS). Here a real consumer process with those
settings is killed and started again on a real Tansu broker, and the replacement must have its
partitions within a bound from the kill (its imports done beforehand: the machine's load is
not what this checks; with 6 s sessions it takes 9-13 s). bench/recovery.py carries the figures for the services."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.infra.kafka import (
    EMBEDDED_CONSUMER_SETTINGS,
    TansuBroker,
    consumer_settings_for,
)
from shared.infra.stack import Stack

pytestmark = pytest.mark.integration
BOUND_SECONDS = 8.0  # 3 s session + Tansu's 3 s rejoin pause, with room for a loaded machine

CONSUMER = """
import asyncio, sys, time
from aiokafka import AIOKafkaConsumer

async def main(servers: str, session: int, heartbeat: int) -> None:
    print(f"IMPORTED {time.time()}", flush=True)
    sys.stdin.readline()  # go
    print(f"ASKING {time.time()}", flush=True)
    consumer = AIOKafkaConsumer(
        "recovery", bootstrap_servers=servers, group_id="recovery-group",
        session_timeout_ms=session, heartbeat_interval_ms=heartbeat,
    )
    await consumer.start()
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=50)
    print(f"ASSIGNED {time.time()}", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TansuBroker]:
    tansu = TansuBroker(log_path=tmp_path / "broker.log").start()
    try:
        yield tansu
    finally:
        tansu.stop()


def start_consumer(script: Path, servers: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(script),
            servers,
            EMBEDDED_CONSUMER_SETTINGS["CONSUMER_SESSION_TIMEOUT_MS"],
            EMBEDDED_CONSUMER_SETTINGS["CONSUMER_HEARTBEAT_INTERVAL_MS"],
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def imported(proc: subprocess.Popen[str]) -> subprocess.Popen[str]:
    """Waits until the process has done its imports (so that the machine's load is not timed)."""
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("IMPORTED")
    return proc


def go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


def asked_and_assigned(proc: subprocess.Popen[str]) -> tuple[float, float]:
    """When the consumer asked to join and when it had its partitions (its own clock)."""
    times: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        word, at = line.split()
        times[word] = float(at)
        if word == "ASSIGNED":
            return times["ASKING"], times["ASSIGNED"]
    raise AssertionError(f"the consumer exited with {proc.wait()} before it was assigned")


async def create_topic(servers: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic("recovery", 6, 1)])
    finally:
        await admin.close()


def test_a_killed_consumer_has_its_partitions_again_within_seconds(
    broker: TansuBroker, tmp_path: Path
) -> None:
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    asyncio.run(create_topic(broker.bootstrap_servers))
    proc = imported(start_consumer(script, broker.bootstrap_servers))
    go(proc)
    asked_and_assigned(proc)
    try:
        for _ in range(2):
            spare = imported(start_consumer(script, broker.bootstrap_servers))
            time.sleep(1.5)  # heartbeats flowing, as in a running service
            killed_at = time.time()
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            proc = spare
            go(proc)
            _, assigned = asked_and_assigned(proc)
            took = assigned - killed_at
            assert took < BOUND_SECONDS, f"consuming again {took:.1f} s after the kill"
    finally:
        proc.kill()
        proc.wait(10)


def test_services_on_the_embedded_broker_get_its_session_settings(
    broker: TansuBroker, tmp_path: Path
) -> None:
    on_tansu = Stack(broker.bootstrap_servers, {"quotes": "sqlite://"}, tmp_path / "a")
    elsewhere = Stack("kafka.example:9092", {"quotes": "sqlite://"}, tmp_path / "b")
    assert on_tansu._env("quotes")["CONSUMER_SESSION_TIMEOUT_MS"] == "3000"
    assert on_tansu._env("quotes")["CONSUMER_HEARTBEAT_INTERVAL_MS"] == "1000"
    assert consumer_settings_for("kafka.example:9092") == {}
    env = elsewhere._env("quotes")  # ServiceSettings' 6 s unless the environment says
    assert env.get("CONSUMER_SESSION_TIMEOUT_MS") == os.environ.get("CONSUMER_SESSION_TIMEOUT_MS")
    told = Stack(
        broker.bootstrap_servers,
        {"quotes": "sqlite://"},
        tmp_path / "c",
        env={"CONSUMER_SESSION_TIMEOUT_MS": "6000"},
    )
    assert told._env("quotes")["CONSUMER_SESSION_TIMEOUT_MS"] == "6000"  # a stack's own wins
