"""Browser tests of the web app (web/) against the real stack: Playwright (PyPI) driving
Debian's Chromium, the app built by `make web` and served by the gateway under test.
Screenshots go to var/test-run/screenshots, and to docs/web/ with UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.infra.stack import Stack, isolated_stack, settings_under_test

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DOCS_SHOTS = ROOT / "docs" / "web"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The account the browser tests change (deploy/demo/accounts.json), and its people.
ORBIT = "5100000007"
WANDA = ("wanda@orbitweb.example", "Wanda Admin")  # primary admin
WILL = ("will@orbitweb.example", "Will Contracts")  # contract manager
WES = ("wes@orbitweb.example", "Wes Buyer")  # buyer
WALT = ("walt@orbitweb.example", "Walt Buyer-Manager")  # buyer + contract manager
WYNN = ("wynn@orbitweb.example", "Wynn User")  # plain user
# Acme (5100000001), which the browser tests otherwise leave alone.
AGNES = ("agnes@billing.vendor.example", "Agnes Agent")  # the vendor's billing agent
ALICE = ("alice@acme.example", "Alice Admin")  # Acme's primary admin
# Blue Harbor (5100000002) and its partner of record for sub-bh-cad-partner.
PABLO = ("pablo@reseller.example", "Pablo Partner")  # partner
NORA = ("nora@blueharbor.example", "Nora Admin")  # primary admin + contract manager


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "chromium"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="session")
def web_stack(artifacts: Path) -> Iterator[Stack]:
    """The browser journeys' own stack with the demo data: the shared one's clock has moved
    weeks by the time they run (Orbit's declined renewal would have expired, and its alert
    with it), and what they change must not reach the other tests either."""
    root = artifacts / "web"
    env = {**settings_under_test(root / "sandbox-psp-ledger.db"), "LOAD_DEMO_DATA": "true"}
    with isolated_stack(root, env) as own:
        yield own


@pytest.fixture(scope="module")
def browser(web_stack: Stack) -> Iterator[Any]:
    """Per module: Playwright's sync API keeps its own event loop running in this thread while
    it lives, so it must not outlive the module (nor start before the stack)."""
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: `make test` installs Debian's chromium when run as root")
    if not (DIST / "index.html").is_file() or not AXE.is_file():
        pytest.skip("the web app is not built: run `make web` (make test does)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # two cores shared with the stack and other suites
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(web_stack: Stack, artifacts: Path, browser: Any) -> Iterator[Any]:
    """A fresh browser context (no session) on a laptop-sized window, per call."""
    contexts = []

    def make(locale: str = "en-GB", width: int = 1366, height: int = 900) -> Any:
        ctx = browser.new_context(
            base_url=web_stack.url("gateway"),
            locale=locale,
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        page = ctx.new_page()
        if os.environ.get("WEB_TEST_DEBUG"):
            page.on("framenavigated", lambda f: print("NAV", f.url))
            page.on("console", lambda m: print("CONSOLE", m.type, m.text[:200]))
            page.on(
                "response", lambda r: print("RESP", r.status, r.url) if "/v1/" in r.url else None
            )
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def sign_in(page: Any, user: tuple[str, str], next_path: str = "/") -> None:
    page.goto(f"/sign-in?next={next_path}")
    page.get_by_role(
        "button", name=re.compile(f"^(Sign in as|Se connecter en tant que) {user[1]}$")
    ).click()
    page.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Any) -> None:
    violations = accessibility_violations(page)
    assert violations == [], violations


def screenshot(page: Any, name: str, artifacts: Path) -> Path:
    out = artifacts / "screenshots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, DOCS_SHOTS / out.name)
    return out
