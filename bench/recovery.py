"""Time from SIGKILL of a service to its consumer groups consuming again (issue 16).

Starts a stack of its own (the embedded Tansu broker, the services' databases on PostgreSQL, or
SQLite with TEST_DATABASE_BACKEND=sqlite, demo data so that topics hold records), then for each
service, `--kills` times: SIGKILL it, start it again at once, and put a copy of the last record
of every topic it consumes back on that topic (same partition, same event id: the restarted
consumer reads it, finds it already processed and commits past it). "Consuming again" is the
moment every one of the service's groups has committed past its fresh copy, read from the
broker (OffsetFetch): the handler ran, not only the join. Also `--stops`: the same after a
clean stop (SIGTERM), where the members leave their groups.

    .venv/bin/python -m bench.recovery                        # 5 kills per service
    .venv/bin/python -m bench.recovery --kills 3 --services payments invoicing
    .venv/bin/python -m bench.recovery --session-ms 6000 --heartbeat-ms 2000

Prints each time and p50/max per service and overall.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import signal
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events import EventData
from shared.infra.kafka import TansuBroker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test


async def last_records(
    servers: str, topics: list[str]
) -> dict[str, tuple[int, bytes | None, bytes]]:
    """Per topic, the partition, key and value of its last record (topics without one left out)."""
    reader = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    await reader.start()
    found: dict[str, tuple[int, bytes | None, bytes]] = {}
    try:
        for topic in topics:
            parts = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
            ends = await reader.end_offsets(parts) if parts else {}
            filled = [tp for tp, end in ends.items() if end > 0]
            if not filled:
                continue
            tp = filled[0]
            reader.assign([tp])
            reader.seek(tp, ends[tp] - 1)
            batch = await reader.getmany(tp, timeout_ms=5000, max_records=1)
            for record in batch.get(tp, []):
                found[topic] = (tp.partition, record.key, record.value)
    finally:
        await reader.stop()
    return found


def unreadable(topic: str) -> tuple[int, bytes | None, bytes]:
    """For a topic with no record yet: an event of a version no consumer reads, which the
    consumer parks on the dead-letter topic and commits past (its handler never runs)."""
    envelope = {
        "event_id": str(uuid.uuid4()),
        "type": topic,
        "version": 999,
        "occurred_at": "2026-01-01T00:00:00Z",
        "producer": "bench-recovery",
        "correlation_id": "bench-recovery",
        "key": "bench-recovery",
        "data": {},
    }
    return 0, b"bench-recovery", json.dumps(envelope).encode()


class Recovery:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.servers = stack.bootstrap_servers
        self.admin = AIOKafkaAdminClient(bootstrap_servers=self.servers)
        self.producer = AIOKafkaProducer(bootstrap_servers=self.servers)
        # Reads a group's committed offsets without joining it (aiokafka's admin OffsetFetch
        # is not understood by Tansu 0.6.0).
        self.readers: dict[str, AIOKafkaConsumer] = {}

    async def __aenter__(self) -> Recovery:
        await self.admin.start()
        await self.producer.start()
        return self

    async def reader(self, group: str) -> None:
        self.readers[group] = AIOKafkaConsumer(
            bootstrap_servers=self.servers, group_id=group, enable_auto_commit=False
        )
        await self.readers[group].start()

    async def __aexit__(self, *_: object) -> None:
        for reader in self.readers.values():
            await reader.stop()
        await self.producer.stop()
        await self.admin.close()

    async def groups_of(self, service: str) -> dict[str, str]:
        """The service's consumer groups (`<service>.<topic>`, as EventConsumer names them)."""
        topics: list[str] = []

        class Recorder:
            def on(self, contract: type[EventData], **_: Any) -> Callable[[Any], Any]:
                topics.append(contract.topic)
                return lambda handler: handler

            on_batch = on  # set-based handlers (issue 13) consume a topic the same way

        importlib.import_module(f"services.{service}.entrypoints.consumers").register(Recorder())
        return {f"{service}.{topic}": topic for topic in topics}

    async def restart(self, service: str, sig: int, samples: dict[str, tuple]) -> float:
        """Signal the service, start it again, re-send the samples; seconds until consumed."""
        started = time.monotonic()
        self.stack.kill(service, sig)
        self.stack.start_process(service)
        fresh: dict[str, tuple[str, int, int]] = {}
        for group, (topic, (partition, key, value)) in samples.items():
            meta = await self.producer.send_and_wait(topic, value, key=key, partition=partition)
            fresh[group] = (topic, partition, meta.offset)
        answering: float | None = None
        async with httpx.AsyncClient(timeout=0.5) as client:
            while fresh:
                if answering is None:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"{self.stack.url(service)}/healthz")).is_success:
                            answering = time.monotonic() - started
                await self._consumed(fresh)
                if time.monotonic() - started > 120:
                    raise TimeoutError(f"{service}: {sorted(fresh)} not consumed after 120 s")
                await asyncio.sleep(0.05)
        took = time.monotonic() - started
        print(
            f"  {service}: answering after {answering or took:.1f} s, consuming after {took:.1f} s"
        )
        return took

    async def _consumed(self, fresh: dict[str, tuple[str, int, int]]) -> None:
        """Leaves in `fresh` the groups that have not committed past their fresh record."""
        for group, (topic, partition, offset) in list(fresh.items()):
            committed = await self.readers[group].committed(TopicPartition(topic, partition))
            if committed is not None and committed > offset:
                del fresh[group]


async def measure(stack: Stack, args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {"kill": {}, "stop": {}}
    async with Recovery(stack) as rec:
        for service in args.services:
            groups = await rec.groups_of(service)
            last = await last_records(stack.bootstrap_servers, sorted(set(groups.values())))
            samples = {g: (t, last.get(t) or unreadable(t)) for g, t in groups.items()}
            for group in samples:
                await rec.reader(group)
            print(
                f"{service}: {len(groups)} groups, {len(set(groups.values()) & set(last))} with a record to re-send"
            )
            for kind, sig, count in (
                ("kill", signal.SIGKILL, args.kills),
                ("stop", signal.SIGTERM, args.stops),
            ):
                times = results[kind].setdefault(service, [])
                for _ in range(count):
                    await asyncio.sleep(args.pause)
                    times.append(await rec.restart(service, sig, samples))
    return results


def report(results: dict[str, dict[str, list[float]]]) -> None:
    for kind, per_service in results.items():
        every = [t for times in per_service.values() for t in times]
        if not every:
            continue
        label = "SIGKILL" if kind == "kill" else "SIGTERM"
        for service, times in per_service.items():
            print(
                f"{label} {service:<14} p50 {statistics.median(times):.1f} s  max {max(times):.1f} s"
                f"  ({', '.join(f'{t:.1f}' for t in times)})"
            )
        print(
            f"{label} all            p50 {statistics.median(every):.1f} s  max {max(every):.1f} s (n={len(every)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", nargs="+", default=list(SERVICE_NAMES))
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs per service")
    parser.add_argument("--stops", type=int, default=1, help="clean stops (SIGTERM) per service")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between faults")
    parser.add_argument(
        "--session-ms", type=int, help="CONSUMER_SESSION_TIMEOUT_MS (default: the setting's)"
    )
    parser.add_argument("--heartbeat-ms", type=int, help="CONSUMER_HEARTBEAT_INTERVAL_MS")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    env = {
        **settings_under_test(work / "ledger.db"),
        "LOAD_DEMO_DATA": "true",
        "LOG_LEVEL": "WARNING",
        # Bytecode compiled once and kept, as `make install` and the image do.
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(work / "pycache"),
    }
    if args.session_ms:
        env["CONSUMER_SESSION_TIMEOUT_MS"] = str(args.session_ms)
    if args.heartbeat_ms:
        env["CONSUMER_HEARTBEAT_INTERVAL_MS"] = str(args.heartbeat_ms)
    broker = TansuBroker(log_path=work / "broker.log").start()
    try:
        with test_databases(list(SERVICE_NAMES), work / "sqlite") as urls:
            stack = Stack(broker.bootstrap_servers, urls, work / "logs", env).start()
            try:
                results = asyncio.run(measure(stack, args))
            finally:
                stack.stop()
    finally:
        broker.stop()
    print(f"databases: {next(iter(urls.values())).split(':')[0]}; logs: {work / 'logs'}")
    report(results)


if __name__ == "__main__":
    main()
