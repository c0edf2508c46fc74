"""The steady mode of bench/renewals.py: renewals fall due at a fixed rate (open loop), so that
the latency measured is the flow's own, not the queue's.

Every TICK the bench moves the renewal date of the next subscriptions (seeded due tomorrow)
to today, as many as the rate asks for the time elapsed, whether or not the earlier ones are
done; the subscriptions service's renewal sweep (every TICK) then requests them and the whole
flow runs as in production."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.flow import STAGES, Measured, drain, latency_line, stage_lines
from bench.procstat import CpuMeter
from shared.clock import SystemClock
from shared.db import create_engine
from shared.infra.stack import Stack

TICK = 0.1
BY_INVOICE = {"invoice-issued", "payment-succeeded", "invoice-paid"}  # keyed by invoice id
RELEASE = (
    "UPDATE subscriptions SET renewal_date = :today, version = version + 1 WHERE id = ANY(:ids)"
)


async def release(url: str, ids: list[str], rate: float, released: dict[str, datetime]) -> None:
    """Make `rate` subscriptions a second due, one batch every TICK, until all are."""
    engine = create_engine(url)
    today, start, done, tick = SystemClock().today(), time.monotonic(), 0, 0
    try:
        while done < len(ids):
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * TICK - time.monotonic()))
            target = min(len(ids), round(rate * (time.monotonic() - start)))
            if target <= done:
                continue
            batch = ids[done:target]
            async with engine.begin() as conn:
                await conn.execute(text(RELEASE), {"today": today, "ids": batch})
            now = datetime.now(UTC)
            released.update((sub_id, now) for sub_id in batch)
            done = target
    finally:
        await engine.dispose()


async def run(
    stack: Stack, bootstrap: str, args: argparse.Namespace, ids: list[str], pids: dict[str, int]
) -> Measured:
    released: dict[str, datetime] = {}
    invoice_of: dict[str, str] = {}
    async with CpuMeter(pids, list(stack.database_urls.values())) as meter:
        t0 = time.perf_counter()
        deadline = time.monotonic() + args.duration + args.timeout
        renewed = asyncio.create_task(
            drain(bootstrap, "subscription-renewed", len(ids), deadline, invoice_of)
        )
        await release(stack.database_urls["subscriptions"], ids, args.rate, released)
        seen = {"subscription-renewed": await renewed}
        wall = time.perf_counter() - t0
    for topic in STAGES[:-1]:
        seen[topic] = await drain(bootstrap, topic, len(ids), time.monotonic() + 30)
    return Measured(seen, meter, wall, released, invoice_of)


def rate(times: list[datetime]) -> str:
    if len(times) < 2:
        return "n/a"
    span = (max(times) - min(times)).total_seconds()
    return f"{(len(times) - 1) / span:.1f}/s over {span:.1f}s" if span else "n/a"


def report(measured: Measured, args: argparse.Namespace) -> None:
    requested = measured.seen["renewal-requested"]
    renewed = measured.seen["subscription-renewed"]
    released = measured.released
    pairs = sorted((requested[k], renewed[k]) for k in renewed if k in requested)
    latencies = [(done - asked).total_seconds() * 1000 for asked, done in pairs]
    print(
        f"renewals (steady): {len(renewed)}/{args.count} renewed; offered {args.rate:g}/s "
        f"for {args.duration:g}s"
    )
    print(
        f"achieved: due {rate(list(released.values()))}, "
        f"renewal-requested {rate(list(requested.values()))}, "
        f"subscription-renewed {rate(list(renewed.values()))}"
    )
    print(latency_line("latency renewal-requested→subscription-renewed", latencies))
    print(
        latency_line(
            "latency due (bench) →subscription-renewed, incl. the sweep's wait",
            [(renewed[k] - released[k]).total_seconds() * 1000 for k in renewed if k in released],
        )
    )
    fifth = max(1, len(latencies) // 5)  # a queue that grows shows as a later, slower fifth
    print(latency_line("  first fifth requested", latencies[:fifth]))
    print(latency_line("  last fifth requested", latencies[-fifth:]))
    hop_lines(measured.seen, measured.invoice_of)
    stage_lines(measured.seen)


def hop_lines(seen: dict[str, dict[str, datetime]], invoice_of: dict[str, str]) -> None:
    """Where the latency goes: one line per hop, from the event before to this one (each
    hop is the relay, the broker, the consumer's fetch and the handler up to its event).
    The invoice's events are keyed by invoice, the subscription's by subscription."""

    def key(topic: str, sub_id: str, invoice_id: str) -> str:
        return invoice_id if topic in BY_INVOICE else sub_id

    for before, after in itertools.pairwise(STAGES):
        hop = []
        for sub_id, invoice_id in invoice_of.items():
            asked = seen[before].get(key(before, sub_id, invoice_id))
            done = seen[after].get(key(after, sub_id, invoice_id))
            if asked and done:
                hop.append((done - asked).total_seconds() * 1000)
        print(latency_line(f"  hop {before} → {after}", hop))
