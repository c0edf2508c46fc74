"""Idle cost of each process (issue 15): CPU% of one core and RSS over a minute at rest, with
Prometheus scraping every 15 s, tracing off and then on (spans to a JSON-lines file).

A stack on SQLite (`make run`'s database) and the embedded broker, demo data loaded, settings
of `make run` (not the tests' fast sweeps); measurement starts once the start-up settled.
Usage: python -m bench.idle [--seconds 60] [--settle 20]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

from shared.infra.kafka import kafka_broker
from shared.infra.stack import SERVICE_NAMES, Stack

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(work: Path, bootstrap: str, tracing: bool, seconds: float, settle: float) -> None:
    env = {
        "ENVIRONMENT": "dev",
        "LOG_FORMAT": "json",
        "LOAD_DEMO_DATA": "true",
        "DEV_CLOCK_ENABLED": "true",
        "RENEWAL_SWEEP_SECONDS": "10",  # as make run (deploy/run_local.py)
        "AUTOMATIC_QUOTES_SECONDS": "10",
        "NOTICE_SWEEP_SECONDS": "10",
        "SANDBOX_LEDGER_PATH": str(work / "ledger.db"),
    }
    if tracing:
        env |= {"OTEL_TRACES_EXPORTER": "jsonl", "OTEL_TRACES_FILE": str(work / "spans.jsonl")}
    label = "tracing on" if tracing else "tracing off"
    sqlite = work / ("sqlite-on" if tracing else "sqlite-off")
    sqlite.mkdir()
    stack = Stack(
        bootstrap_servers=bootstrap,
        database_urls={s: f"sqlite+aiosqlite:///{sqlite}/{s}.db" for s in SERVICE_NAMES},
        log_dir=work / f"logs-{'on' if tracing else 'off'}",
        env=env,
    ).start()
    try:
        time.sleep(settle)
        pids = {name: p.pid for name, p in stack.processes.items()}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:  # Prometheus' default scrape interval
            for name in pids:
                httpx.get(f"{stack.url(name)}/metrics", timeout=5)
            time.sleep(15)
        elapsed = time.monotonic() - t0
        print(f"{label}, {elapsed:.0f} s at rest, /metrics scraped every 15 s:")
        for name, pid in pids.items():
            cpu = (cpu_seconds(pid) - before[name]) / elapsed * 100
            print(f"  {name:<14} CPU {cpu:5.2f}% of a core   RSS {rss_mib(pid):6.1f} MiB")
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    with kafka_broker(log_path=work / "broker.log") as bootstrap:
        for tracing in (False, True):
            measure(work, bootstrap, tracing, args.seconds, args.settle)


if __name__ == "__main__":
    main()
