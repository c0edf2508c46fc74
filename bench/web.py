"""The web app's budgets (issue 12), measured in Debian's Chromium against the real stack on
PostgreSQL with one account of 10,000 subscriptions (the same seed as bench.subscriptions):
  * initial JS: what index.html loads before any screen (entry + modulepreloads), gzipped;
  * summary screen usable: navigation to the product cards shown, p50 over 20 cold loads (the
    demo account Acme: a dashboard of 10,000 subscriptions is bench.dashboard's subject);
  * subscriptions table (10,000 rows, paged): a search typed to the new rows shown, p50/p99,
    timed inside the page (the input event to the animation frame that paints the rows) and
    split with the browser's resource timing: typing debounce, the list request (gateway and
    subscriptions service), and the answer to the rows painted (parse, React render, commit);
    the same requests are also timed alone through the gateway (httpx, no browser).

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
from typing import Any

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


SEARCH_LABEL = "Search"
# In the page: the search box's input event stamps the keystroke; the predicate, polled on every
# animation frame, stamps the frame that shows the expected total with the table no longer busy.
TABLE_SHOWN = """(want) => {
  const el = document.querySelector('[data-testid=total]');
  const busy = document.querySelector('[data-testid=subscriptions-table][aria-busy=true]');
  const ok = el && el.textContent.replace(/[^0-9]/g, '') === want && !busy;
  if (ok) window.__shownAt = performance.now();
  return ok;
}"""
STAMP_KEYSTROKE = """() => {
  performance.setResourceTimingBufferSize(100000);
  document.addEventListener('input', (e) => { window.__typedAt = e.timeStamp; }, true);
}"""
SPLIT = """() => {
  const typed = window.__typedAt, shown = window.__shownAt;
  const reqs = performance.getEntriesByType('resource')
    .filter((r) => r.name.includes('/v1/subscriptions?') && r.startTime >= typed);
  const last = reqs[reqs.length - 1];
  performance.clearResourceTimings();
  return {
    total: shown - typed,
    debounce: last ? last.startTime - typed : null,
    request: last ? last.responseEnd - last.startTime : null,
    render: last ? shown - last.responseEnd : null,
  };
}"""


def stats(label: str, values: list[float]) -> str:
    return (
        f"{label} p50 {statistics.median(values):.0f} ms, p99 {percentile(values, 99):.0f} ms"
        f" (n={len(values)})"
    )


def measure_summary(browser: Any, base: str, loads: int) -> list[float]:
    acme = issue_token(
        GatewaySettings(), subject="alice@acme.example", csn="5100000001", roles=["primary_admin"]
    )
    summary_ms: list[float] = []
    for _ in range(loads):  # cold: a new context, empty cache, each time
        ctx = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
        ctx.add_init_script(session_script(acme, "5100000001"))
        page = ctx.new_page()
        t = time.perf_counter()
        page.goto("/")
        page.get_by_test_id("product-card").first.wait_for(timeout=30_000)
        summary_ms.append((time.perf_counter() - t) * 1000)
        ctx.close()
    return summary_ms


def search_plan(api: httpx.Client, searches: int) -> list[tuple[str, int]]:
    """The searches in order, each changing the total (so the table visibly changes)."""
    terms = [f"sub-bench-{n:03d}" for n in range(100)] + [f"Team {n}" for n in range(20)]
    expected = {
        q: int(api.get("/v1/subscriptions", params={"q": q, "limit": 1}).json()["total"])
        for q in terms
    }
    plan: list[tuple[str, int]] = []
    i = 0
    while len(plan) < searches:
        q = terms[i % len(terms)]
        i += 1
        if not plan or expected[q] != plan[-1][1]:
            plan.append((q, expected[q]))
    return plan


def measure_api(api: httpx.Client, plan: list[tuple[str, int]]) -> list[float]:
    """The app's own list request (page 1, 25 rows, default sort) alone, through the gateway."""
    api_ms: list[float] = []
    for q, _ in plan:
        t = time.perf_counter()
        api.get(
            "/v1/subscriptions",
            params={"q": q, "sort": "renewal_date", "limit": 25, "offset": 0},
        ).raise_for_status()
        api_ms.append((time.perf_counter() - t) * 1000)
    return api_ms


def measure_table(
    browser: Any, base: str, token: str, plan: list[tuple[str, int]]
) -> dict[str, list[float]]:
    ctx = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
    ctx.add_init_script(session_script(token))
    page = ctx.new_page()
    page.goto("/subscriptions")
    page.get_by_test_id("subscriptions-table").wait_for(timeout=120_000)
    page.evaluate(STAMP_KEYSTROKE)
    search = page.get_by_label(SEARCH_LABEL)
    out: dict[str, list[float]] = {
        k: [] for k in ("wall", "total", "debounce", "request", "render")
    }
    for q, total in plan:
        t = time.perf_counter()
        search.fill(q)
        page.wait_for_function(TABLE_SHOWN, arg=str(total), polling="raf", timeout=30_000)
        out["wall"].append((time.perf_counter() - t) * 1000)
        for key, value in page.evaluate(SPLIT).items():
            if value is not None:
                out[key].append(value)
    ctx.close()
    return out


def report_table(count: int, api_ms: list[float], table: dict[str, list[float]]) -> None:
    print(
        f"subscriptions table ({count} rows, 25 a page), search typed to rows painted: "
        f"{stats('', table['total'])} (budget p99 {BUDGET_TABLE_P99_MS} ms); "
        f"{stats('seen from Playwright', table['wall'])}"
    )
    print(f"  of which: {stats('debounce', table['debounce'])} (SEARCH_DEBOUNCE_MS and dispatch)")
    print(f"            {stats('list request in the browser', table['request'])}")
    print(f"            {stats('answer to rows painted (parse, render)', table['render'])}")
    print(f"  {stats('the same list requests alone through the gateway (httpx):', api_ms)}")


def run(args: argparse.Namespace, browser_path: str, work: Path) -> None:
    from playwright.sync_api import sync_playwright

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
                if args.loads:
                    summary_ms = measure_summary(browser, base, args.loads)
                    print(
                        "summary usable (Acme's product cards shown), cold loads: "
                        f"{stats('', summary_ms)} (budget p50 {BUDGET_SUMMARY_MS} ms)"
                    )
                plan = search_plan(api, args.searches)
                api_ms = measure_api(api, plan)
                report_table(args.count, api_ms, measure_table(browser, base, token, plan))
                browser.close()
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=20, help="summary loads (0: skip)")
    parser.add_argument("--searches", type=int, default=60)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        raise SystemExit("build the app first: make web")
    browser_path = chromium_path()
    if browser_path is None:
        raise SystemExit("no Chromium: apt-get install chromium")
    js_kb, files = initial_js_gzip_kb()
    print(f"initial JS: {js_kb:.1f} KB gzipped ({len(files)} files; budget {BUDGET_JS_KB} KB)")
    run(args, browser_path, Path(tempfile.mkdtemp(prefix="bench-web-")))


if __name__ == "__main__":
    main()
