"""Payments under a crash and under declines, on a stack of its own (its own broker, databases,
provider ledger and clock, so that it may move time freely and kill its payments process).

- Crash (acceptance, issue #6): the payments process is killed (SIGKILL) right after the
  provider accepted a renewal charge and before the outcome was committed. After a restart the
  invoice is paid exactly once and the provider holds exactly one charge for that key.
- Retries (R-PAY-4): a declined renewal is retried on schedule with a new key each time; paying
  from the invoices tab (R-INV-2, through invoicing) ends the retries, clears the payment error
  and renews.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.payments.adapters.orm import charges
from services.payments.adapters.provider import SandboxProvider
from shared.db import create_engine
from shared.infra.stack import Stack, isolated_stack, settings_under_test
from shared.terms import add_months
from tests.audit.scan import card_data_in_database
from tests.e2e.conftest import ALICE, NORA, token_for
from tests.e2e.payments_support import events_about
from tests.kafka_tools import eventually

pytestmark = pytest.mark.slow
ACME = "5100000001"


@pytest.fixture(scope="module")
def own(artifacts: Path) -> Iterator[dict[str, Any]]:
    root = artifacts / "payments-crash"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("sandbox-psp-ledger*"):  # a fresh provider for each run
        old.unlink()
    ledger = root / "sandbox-psp-ledger.db"
    env = {
        **settings_under_test(ledger),
        "LOAD_DEMO_DATA": "true",
        "RETRY_JOB_SECONDS": "0.2",
        "PAYMENTS_CRASH_AFTER_PROVIDER": "1",
    }
    with isolated_stack(root, env) as stack:
        urls = stack.database_urls
        yield {"stack": stack, "ledger": SandboxProvider(ledger), "urls": urls}
        stack.stop()  # the card-data audit looks at the databases before they are dropped
        for url in urls.values():
            assert asyncio.run(card_data_in_database(url)) == []


@pytest.fixture(scope="module")
async def gw(own: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=own["stack"].url("gateway"), timeout=15) as client:
        yield client


async def _get(gw: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    resp = await gw.get(path, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _advance(gw: httpx.AsyncClient, days: int) -> None:
    resp = await gw.post("/v1/dev/clock/advance", json={"days": days}, headers=ALICE)
    assert resp.status_code == 200, resp.text


async def _invoice_of(gw: httpx.AsyncClient, sub_id: str, headers: dict[str, str]) -> Any:
    page = await _get(gw, "/v1/invoices?limit=200", headers)
    found = [i for i in page["items"] if any(ln["subscription_id"] == sub_id for ln in i["lines"])]
    return found[0] if found else None


async def _charges(gw: httpx.AsyncClient, invoice_id: str, headers: dict[str, str]) -> list[Any]:
    page = await _get(gw, f"/v1/charges?invoice_id={invoice_id}", headers)
    return sorted(page["items"], key=lambda c: c["created_at"])


async def test_killed_right_after_the_provider_accepted_the_charge_the_invoice_is_paid_once(
    own: dict[str, Any], gw: httpx.AsyncClient
) -> None:
    """Acceptance: kill -9 between the provider's answer and our commit; reconcile by key."""
    stack: Stack = own["stack"]
    ledger: SandboxProvider = own["ledger"]
    old = date.fromisoformat(
        (await _get(gw, "/v1/subscriptions/sub-acme-cad", ALICE))["renewal_date"]
    )

    await _advance(gw, 3)  # sub-acme-cad falls due: renewal -> invoice -> charge -> killed

    payments = stack.processes["payments"]

    async def killed() -> bool:
        return payments.poll() is not None

    await eventually(killed, timeout=60)
    assert payments.returncode == -signal.SIGKILL
    # Other demo accounts' declined cards may have been tried meanwhile: only successes count.
    [entry] = [e for e in await ledger.ledger_entries() if e["status"] == "succeeded"]
    invoice_id = entry["idempotency_key"].split(":")[1]
    assert entry["idempotency_key"] == f"invoice:{invoice_id}:attempt:1"
    engine = create_engine(own["urls"]["payments"])
    async with engine.connect() as conn:  # ...and our database only knows it was sent
        status = await conn.scalar(
            select(charges.c.status).where(charges.c.invoice_id == invoice_id)
        )
    await engine.dispose()
    assert status == "processing"
    invoice = await _get(gw, f"/v1/invoices/{invoice_id}", ALICE)
    assert invoice["status"] == "open"

    stack.env.pop("PAYMENTS_CRASH_AFTER_PROVIDER")
    stack.start_process("payments")
    await asyncio.to_thread(stack.wait_ready, ("payments",))
    clocks = {c["service"]: c["offset_seconds"] for c in await _get(gw, "/v1/dev/clock", ALICE)}
    assert clocks["payments"] == clocks["subscriptions"] >= 3 * 86_400  # it kept the dev clock

    async def renewed() -> bool:
        sub = await _get(gw, "/v1/subscriptions/sub-acme-cad", ALICE)
        return sub["renewal_date"] == add_months(old, 12).isoformat()

    await eventually(renewed, timeout=60)
    invoice = await _get(gw, f"/v1/invoices/{invoice_id}", ALICE)
    assert (invoice["status"], invoice["amount_due"]) == ("paid", 0)
    [charge] = await _charges(gw, invoice_id, ALICE)
    assert charge["status"] == "succeeded"
    assert charge["provider_charge_id"] == entry["provider_charge_id"]
    charged = [e for e in await ledger.ledger_entries() if e["status"] == "succeeded"]
    assert charged == [entry]  # never charged a second time
    bootstrap = stack.bootstrap_servers
    assert len(await events_about(bootstrap, "payment-succeeded", invoice_id, at_least=1)) == 1
    assert len(await events_about(bootstrap, "invoice-paid", invoice_id, at_least=1)) == 1
    renewed_events = await events_about(
        bootstrap, "subscription-renewed", "sub-acme-cad", at_least=1
    )
    assert len(renewed_events) == 1


async def test_declined_renewal_is_retried_on_schedule_until_paid_from_the_invoices_tab(
    own: dict[str, Any], gw: httpx.AsyncClient
) -> None:
    """R-PAY-4 (with R-INV-2): every failure is announced with its reason and next retry; a
    payment made otherwise ends the retries and clears the payment error."""
    stack: Stack = own["stack"]
    bootstrap = stack.bootstrap_servers
    old = date.fromisoformat((await _get(gw, "/v1/subscriptions/sub-bh-cad", NORA))["renewal_date"])

    await _advance(gw, 2)  # sub-bh-cad (declining card) falls due

    async def declined() -> Any:
        invoice = await _invoice_of(gw, "sub-bh-cad", NORA)
        return invoice if invoice and invoice["last_payment_error"] == "card_declined" else None

    invoice = await eventually(declined, timeout=60)
    [first] = await _charges(gw, invoice["id"], NORA)
    assert (first["attempt"], first["status"], first["failure_code"]) == (
        1,
        "failed",
        "card_declined",
    )
    assert first["next_retry_at"] is not None
    upcoming = await _get(gw, "/v1/upcoming-payments?days=30", NORA)
    retry = [i for i in upcoming["items"] if i["kind"] == "retry"]
    assert [(r["invoice_id"], r["status"]) for r in retry] == [(invoice["id"], "payment_error")]

    async def shown_on_the_subscription() -> bool:
        """Subscriptions learn it from the same payment-failed, on their own consumer."""
        sub = await _get(gw, "/v1/subscriptions/sub-bh-cad", NORA)
        return bool(sub["payment_error"] == "card_declined")

    await eventually(shown_on_the_subscription, timeout=30)

    await _advance(gw, 1)  # the first retry is due

    async def second_attempt() -> list[Any]:
        found = await _charges(gw, invoice["id"], NORA)
        return found if len(found) == 2 and found[1]["status"] == "failed" else []

    attempts = await eventually(second_attempt, timeout=60)
    assert [c["attempt"] for c in attempts] == [1, 2]
    failed = [
        e["data"]
        for e in await events_about(bootstrap, "payment-failed", invoice["id"], at_least=2)
    ]
    assert [(f["attempt"], f["reason"], f["final"]) for f in failed] == [
        (1, "card_declined", False),
        (2, "card_declined", False),
    ]
    assert failed[0]["next_retry_at"] < failed[1]["next_retry_at"]

    # Nora pays from the invoices tab with her Amex (R-INV-2): invoicing asks payments.
    paid = await gw.post(
        f"/v1/invoices/{invoice['id']}/payments",
        json={"payment_method_id": "pm-bh-amex"},
        headers=NORA,
    )
    assert paid.status_code == 202, paid.text

    async def renewed() -> bool:
        sub = await _get(gw, "/v1/subscriptions/sub-bh-cad", NORA)
        return sub["renewal_date"] == add_months(old, 12).isoformat()

    await eventually(renewed, timeout=60)
    # A payment-failed handled after the invoice-paid (separate consumers) must not flag the
    # renewed subscription again.
    await asyncio.sleep(2)
    assert (await _get(gw, "/v1/subscriptions/sub-bh-cad", NORA))["payment_error"] is None

    render = await _get(gw, "/v1/subscriptions/sub-acme-render", ALICE)
    await _advance(gw, 7)  # every retry of the schedule is now due...

    async def render_renewed() -> bool:  # ...and a later renewal went all the way through
        sub = await _get(gw, "/v1/subscriptions/sub-acme-render", ALICE)
        return sub["renewal_date"] != render["renewal_date"]

    await eventually(render_renewed, timeout=60)
    final = await _charges(gw, invoice["id"], NORA)
    assert [(c["origin"], c["attempt"], c["status"]) for c in final] == [
        ("automatic", 1, "failed"),
        ("automatic", 2, "failed"),
        ("payment_request", 1, "succeeded"),
    ]
    assert all(c["next_retry_at"] is None for c in final)


async def test_credit_note_that_refunds_sends_the_money_back_on_the_charge_once(
    own: dict[str, Any], gw: httpx.AsyncClient
) -> None:
    """R-INV-3 with payments: a billing agent's credit note with refund=true on the invoice
    paid by card is refunded on that charge, once, through the provider."""
    stack: Stack = own["stack"]
    ledger: SandboxProvider = own["ledger"]
    invoice = await _invoice_of(gw, "sub-acme-cad", ALICE)
    assert invoice is not None and invoice["status"] == "paid"
    [charge] = await _charges(gw, invoice["id"], ALICE)
    agent = {
        "Authorization": f"Bearer {token_for('agent@vendor.example', ACME, ['billing_agent'])}"
    }

    note = await gw.post(
        "/v1/credit-notes",
        json={"reason": "Goodwill", "invoice_id": invoice["id"], "amount": 100_000, "refund": True},
        headers=agent,
    )
    assert note.status_code == 201, note.text

    async def refunded() -> list[Any]:
        page = await _get(gw, f"/v1/refunds?invoice_id={invoice['id']}", ALICE)
        return [r for r in page["items"] if r["status"] == "succeeded"]

    [refund] = await eventually(refunded, timeout=60)
    assert (refund["amount"], refund["charge_id"]) == (100_000, charge["id"])
    assert refund["credit_note_id"] == note.json()["id"]
    [entry] = await ledger.refund_entries()
    assert entry["provider_charge_id"] == charge["provider_charge_id"]
    assert entry["idempotency_key"] == f"credit-note:{note.json()['id']}:charge:{charge['id']}"
    events = await events_about(
        stack.bootstrap_servers, "payment-refunded", invoice["id"], at_least=1
    )
    assert [e["data"]["amount"] for e in events] == [100_000]
