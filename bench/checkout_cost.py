"""What a pooled connection checkout costs on PostgreSQL, with and without `pool_pre_ping`
(issue 13): N short transactions (`SELECT 1` in `engine.begin()`, as a unit of work does one
per message), each way, in one process; wall time and this process's CPU per checkout, and
the PostgreSQL backend's CPU (from /proc).

    uv run python -m bench.checkout_cost                 # 5,000 transactions each way
    uv run python -m bench.checkout_cost --count 20000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.procstat import cpu_ms
from shared.infra.postgres import test_databases


async def one_way(url: str, count: int, pre_ping: bool) -> tuple[float, float, float]:
    """Seconds per checkout: wall, this process's CPU, the backend's CPU."""
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=pre_ping)
    try:
        async with engine.connect() as conn:
            backend = int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)
        for _ in range(200):  # warm-up
            async with engine.begin() as conn:
                await conn.execute(text("SELECT 1"))
        server0, cpu0, wall0 = cpu_ms(backend) or 0.0, time.process_time(), time.perf_counter()
        for _ in range(count):
            async with engine.begin() as conn:
                await conn.execute(text("SELECT 1"))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        server = ((cpu_ms(backend) or 0.0) - server0) / 1000
        return wall / count, cpu / count, server / count
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with test_databases(["checkout"], Path(tempfile.mkdtemp(prefix="bench-checkout-"))) as urls:
        url = urls["checkout"]
        if not url.startswith("postgresql"):
            raise SystemExit("the bench runs on PostgreSQL; none is reachable")
        print(f"{args.count} transactions (begin, SELECT 1, commit) per round, one connection")
        print(
            f"  {'pool_pre_ping':<14} {'wall µs':>8} {'client CPU µs':>14} {'backend CPU µs':>15}"
        )
        for _ in range(args.rounds):
            for pre_ping in (True, False):
                wall, cpu, server = asyncio.run(one_way(url, args.count, pre_ping))
                print(
                    f"  {pre_ping!s:<14} {wall * 1e6:>8.0f} {cpu * 1e6:>14.0f} "
                    f"{server * 1e6:>15.0f}"
                )


if __name__ == "__main__":
    main()
