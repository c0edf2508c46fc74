"""CPU time and peak memory of the processes under a bench, read from /proc (utime + stime,
VmHWM): each service process, the broker, and the PostgreSQL backends connected to the
bench's databases (found in pg_stat_activity while the window lasts; a backend that starts
during the window counts whole, one that ends counts up to its last sample)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import create_engine

TICKS = os.sysconf("SC_CLK_TCK")
BACKENDS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
)


def cpu_ms(pid: int) -> float | None:
    """CPU milliseconds (user + system) a process used so far; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS


def peak_rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class CpuMeter:
    """`async with CpuMeter(pids, database_urls) as meter:` … then `meter.used` (ms per
    process name, PostgreSQL backends as one) and `meter.backends` (how many were seen)."""

    def __init__(self, pids: dict[str, int], database_urls: list[str], every: float = 0.25) -> None:
        self.pids, self.every = pids, every
        pg = [u for u in database_urls if u.startswith("postgresql")]
        self.pg_url = pg[0] if pg else None
        self.databases = [make_url(u).database for u in pg]
        self.start: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.backend_start: dict[int, float] = {}
        self.backend_last: dict[int, float] = {}
        self.used: dict[str, float] = {}
        self.backends = 0

    async def _backends(self, conn: object) -> list[int]:
        result = await conn.execute(text(BACKENDS), {"names": self.databases})  # type: ignore[attr-defined]
        return [int(r[0]) for r in result.all()]

    def _sample(self, backends: list[int], first: bool) -> None:
        for name, pid in self.pids.items():
            if (ms := cpu_ms(pid)) is not None:
                self.last[name] = ms
                self.start.setdefault(name, ms)
        for pid in backends:
            if (ms := cpu_ms(pid)) is not None:
                self.backend_last[pid] = ms
                self.backend_start.setdefault(pid, ms if first else 0.0)

    async def _run(self, stop: asyncio.Event) -> None:
        engine = create_engine(self.pg_url) if self.pg_url else None
        conn = await engine.connect() if engine else None
        try:
            first = True
            while True:
                self._sample(await self._backends(conn) if conn else [], first)
                first = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.every)
                if stop.is_set():
                    self._sample(await self._backends(conn) if conn else [], False)
                    return
        finally:
            if conn is not None and engine is not None:
                await conn.close()
                await engine.dispose()

    async def __aenter__(self) -> CpuMeter:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(self._stop))
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stop.set()
        await self._task
        self.used = {name: self.last[name] - self.start[name] for name in self.last}
        if self.pg_url:
            self.used["postgresql backends"] = sum(
                self.backend_last[p] - self.backend_start[p] for p in self.backend_last
            )
            self.backends = len(self.backend_last)


def report(meter: CpuMeter, renewals: int, seconds: float, peaks: dict[str, float]) -> None:
    """CPU ms per renewal of each process, share of the window, peak RSS."""
    total = sum(meter.used.values())
    print(f"CPU per renewal over the measured window ({seconds:.1f}s, {renewals} renewals):")
    print(f"  {'process':<26} {'ms/renewal':>10} {'CPU s':>8} {'% of a core':>11} {'peak RSS':>9}")
    for name, ms in sorted(meter.used.items(), key=lambda kv: -kv[1]):
        peak = f"{peaks[name]:.0f} MiB" if name in peaks else ""
        label = f"{name} ({meter.backends})" if name == "postgresql backends" else name
        print(
            f"  {label:<26} {ms / max(renewals, 1):>10.1f} {ms / 1000:>8.1f} "
            f"{ms / 10 / max(seconds, 1e-9):>10.1f}% {peak:>9}"
        )
    print(
        f"  {'total':<26} {total / max(renewals, 1):>10.1f} {total / 1000:>8.1f} "
        f"{total / 10 / max(seconds, 1e-9):>10.1f}%"
    )
