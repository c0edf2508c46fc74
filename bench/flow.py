"""What the renewal benches share: the flow's stages, reading their events back from the
broker, and the figures printed from them."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer

from bench.procstat import CpuMeter

PREFIX = "sub-bench-"
STAGES = (
    "renewal-requested",
    "invoice-issued",
    "payment-succeeded",
    "invoice-paid",
    "subscription-renewed",
)


@dataclass
class Measured:
    seen: dict[str, dict[str, datetime]]  # topic → subscription id → occurred_at
    meter: CpuMeter
    wall: float  # seconds of the measured window
    released: dict[str, datetime] = field(default_factory=dict)  # steady mode: when due
    invoice_of: dict[str, str] = field(default_factory=dict)  # subscription id → its invoice


async def drain(
    bootstrap: str,
    topic: str,
    until: int,
    deadline: float,
    invoice_of: dict[str, str] | None = None,
) -> dict[str, datetime]:
    """occurred_at of each bench event on one topic, read until `until` events were seen;
    with `invoice_of`, each event's key → the invoice its data names."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        metadata_max_age_ms=500,
    )
    await consumer.start()
    seen: dict[str, datetime] = {}
    try:
        while len(seen) < until and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    env = json.loads(r.value)
                    if env["data"].get("csn", "").startswith("B0"):
                        seen.setdefault(env["key"], datetime.fromisoformat(env["occurred_at"]))
                        if invoice_of is not None and "invoice_id" in env["data"]:
                            invoice_of[env["key"]] = env["data"]["invoice_id"]
    finally:
        await consumer.stop()
    return seen


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency_line(label: str, latencies: list[float]) -> str:
    if not latencies:
        return f"{label}: none measured"
    return (
        f"{label}: p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms"
    )


def stage_lines(seen: dict[str, dict[str, datetime]]) -> None:
    start = min(seen["renewal-requested"].values(), default=None)
    for topic in STAGES:
        times = list(seen[topic].values())
        last = f"last at +{(max(times) - start).total_seconds():6.2f}s" if times and start else ""
        print(f"  {topic:<21} {len(times):>6} events {last}")
