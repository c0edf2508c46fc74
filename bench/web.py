"""The web app's budgets (issue 12), measured in Debian's Chromium against the real stack on
PostgreSQL with one account of 10,000 subscriptions (the same seed as bench.subscriptions):
  * initial JS: what index.html loads before any screen (entry + modulepreloads), gzipped;
  * summary screen usable: navigation to the product cards shown, p50 over 20 cold loads (the
    demo account Acme: a dashboard of 10,000 subscriptions is bench.dashboard's subject);
  * subscriptions table (10,000 rows, paged): a search typed to the new rows shown, p50/p99.

    make bench-web
    make bench-web ARGS="--loads 20 --searches 60"
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.renewals import percentile
from bench.subscriptions import CSN, seed
from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.infra.kafka import kafka_broker
from shared.infra.postgres import test_databases
from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test
from tests.e2e.web_support import CHROMIUM_FLAGS, DIST, chromium_path

BUDGET_JS_KB, BUDGET_SUMMARY_MS, BUDGET_TABLE_P99_MS = 250, 1000, 300


def initial_js_gzip_kb() -> tuple[float, list[str]]:
    index = (DIST / "index.html").read_text()
    scripts = re.findall(r'<script[^>]+src="(/assets/[^"]+\.js)"', index)
    preloads = re.findall(r'<link rel="modulepreload"[^>]+href="(/assets/[^"]+\.js)"', index)
    files = scripts + preloads
    total = sum(len(gzip.compress((DIST / f.lstrip("/")).read_bytes(), 9)) for f in files)
    return total / 1024, files


def session_script(token: str, csn: str = CSN) -> str:
    session = {
        "token": token,
        "subject": "bench",
        "name": "Bench Admin",
        "csn": csn,
        "company": "Bench",
        "roles": ["primary_admin"],
        "partnerCsn": None,
        "mode": "dev",
    }
    return f"sessionStorage.setItem('billing-orders.session', {json.dumps(json.dumps(session))});"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--searches", type=int, default=60)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        raise SystemExit("build the app first: make web")
    browser_path = chromium_path()
    if browser_path is None:
        raise SystemExit("no Chromium: apt-get install chromium")
    js_kb, files = initial_js_gzip_kb()
    print(f"initial JS: {js_kb:.1f} KB gzipped ({len(files)} files; budget {BUDGET_JS_KB} KB)")

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    with (
        kafka_broker(log_path=work / "broker.log") as bootstrap,
        test_databases(list(SERVICE_NAMES), work / "sqlite") as urls,
    ):
        stack = Stack(
            bootstrap_servers=bootstrap,
            database_urls=urls,
            log_dir=work / "logs",
            env={
                **settings_under_test(work / "ledger.db"),
                "LOG_LEVEL": "WARNING",
                "LOAD_DEMO_DATA": "true",
            },
        ).start()
        try:
            asyncio.run(seed(urls["subscriptions"], args.count))
            db = "PostgreSQL" if urls["subscriptions"].startswith("postgresql") else "SQLite"
            print(f"seeded {args.count} subscriptions in one account ({db})")
            token = issue_token(
                GatewaySettings(), subject="bench", csn=CSN, roles=["primary_admin"]
            )
            base = stack.url("gateway")
            api = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=browser_path, args=CHROMIUM_FLAGS)

                acme = issue_token(
                    GatewaySettings(),
                    subject="alice@acme.example",
                    csn="5100000001",
                    roles=["primary_admin"],
                )
                summary_ms: list[float] = []
                for _ in range(args.loads):  # cold: a new context, empty cache, each time
                    ctx = browser.new_context(
                        base_url=base, viewport={"width": 1366, "height": 900}
                    )
                    ctx.add_init_script(session_script(acme, "5100000001"))
                    page = ctx.new_page()
                    t = time.perf_counter()
                    page.goto("/")
                    page.get_by_test_id("product-card").first.wait_for(timeout=30_000)
                    summary_ms.append((time.perf_counter() - t) * 1000)
                    ctx.close()
                p50 = statistics.median(summary_ms)
                print(
                    f"summary usable (Acme's product cards shown) over {args.loads} cold loads: "
                    f"p50 {p50:.0f} ms, p99 {percentile(summary_ms, 99):.0f} ms "
                    f"(budget p50 {BUDGET_SUMMARY_MS} ms)"
                )

                ctx = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
                ctx.add_init_script(session_script(token))
                page = ctx.new_page()
                page.goto("/subscriptions")
                page.get_by_test_id("subscriptions-table").wait_for(timeout=30_000)
                terms = [f"sub-bench-{n:03d}" for n in range(100)] + [
                    f"Team {n}" for n in range(20)
                ]
                expected = {
                    q: api.get("/v1/subscriptions", params={"q": q, "limit": 1}).json()["total"]
                    for q in terms
                }
                search = page.get_by_label("Search")
                table_ms: list[float] = []
                previous = None
                i = 0
                while len(table_ms) < args.searches:
                    q = terms[i % len(terms)]
                    i += 1
                    if expected[q] == previous:
                        continue
                    t = time.perf_counter()
                    search.fill(q)
                    page.wait_for_function(
                        "(want) => { const el = document.querySelector('[data-testid=total]');"
                        " const busy = document.querySelector('[data-testid=subscriptions-table][aria-busy=true]');"
                        " return el && el.textContent.replace(/[^0-9]/g, '') === want && !busy; }",
                        arg=str(expected[q]),
                        polling="raf",
                        timeout=30_000,
                    )
                    table_ms.append((time.perf_counter() - t) * 1000)
                    previous = expected[q]
                print(
                    f"subscriptions table ({args.count} rows, 25 a page), search typed to rows shown, "
                    f"{len(table_ms)} searches: p50 {statistics.median(table_ms):.0f} ms, "
                    f"p99 {percentile(table_ms, 99):.0f} ms (budget p99 {BUDGET_TABLE_P99_MS} ms; "
                    "includes the 60 ms typing debounce)"
                )
                browser.close()
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
