"""Exactly once, read from the databases after a renewal bench: for each renewal (one per
bench subscription) exactly one invoice, one order, one charge, one successful charge in the
provider's ledger and one applied payment, and the subscription moved on by exactly one term.
Used by bench/renewals.py; the chaos bench (bench/chaos.py) checks the same under faults."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from shared.db import create_engine

INVOICES = (
    "SELECT l.subscription_id, i.id, i.status FROM invoice_lines l"
    " JOIN invoices i ON i.id = l.invoice_id WHERE l.subscription_id LIKE :prefix"
)


async def rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


def ledger_successes(ledger: Path) -> Counter[str]:
    """Successful provider charges per invoice (key `invoice:<id>:attempt:<n>`)."""
    if not ledger.exists():
        return Counter()
    with sqlite3.connect(ledger) as conn:
        keys = conn.execute("SELECT idempotency_key FROM charges WHERE status = 'succeeded'")
        return Counter(key.split(":")[1] for (key,) in keys.fetchall())


async def check(
    urls: dict[str, str], ledger: Path, prefix: str, renewed_to: dict[str, date]
) -> dict[str, int]:
    """Violations per rule (all 0 when every renewal happened exactly once). `renewed_to`:
    each bench subscription's expected renewal date after exactly one renewal."""
    subs = dict(
        await rows(
            urls["subscriptions"],
            "SELECT id, renewal_date FROM subscriptions WHERE id LIKE :prefix",
            prefix=f"{prefix}%",
        )
    )
    invoices: dict[str, set[str]] = defaultdict(set)
    unpaid = set()
    for sub_id, invoice_id, status in await rows(urls["invoicing"], INVOICES, prefix=f"{prefix}%"):
        invoices[sub_id].add(invoice_id)
        if status != "paid":
            unpaid.add(invoice_id)
    orders = Counter(r[0] for r in await rows(urls["invoicing"], "SELECT invoice_id FROM orders"))
    applied = Counter(
        r[0] for r in await rows(urls["invoicing"], "SELECT invoice_id FROM invoice_payments")
    )
    charges = Counter(r[0] for r in await rows(urls["payments"], "SELECT invoice_id FROM charges"))
    provider = ledger_successes(ledger)
    ids = [i for s in renewed_to for i in invoices.get(s, ())]
    return {
        "subscriptions not renewed by exactly one term": sum(
            1 for s, d in renewed_to.items() if subs.get(s) != d
        ),
        "renewals without an invoice": sum(1 for s in renewed_to if not invoices.get(s)),
        "renewals with more than one invoice": sum(
            1 for s in renewed_to if len(invoices.get(s, ())) > 1
        ),
        "renewal invoices not paid": sum(1 for i in ids if i in unpaid),
        "invoices without exactly one order": sum(1 for i in ids if orders[i] != 1),
        "invoices without exactly one charge": sum(1 for i in ids if charges[i] != 1),
        "invoices without exactly one successful provider charge": sum(
            1 for i in ids if provider[i] != 1
        ),
        "invoices without exactly one applied payment": sum(1 for i in ids if applied[i] != 1),
    }


def report(found: dict[str, int], renewals: int) -> int:
    """Prints the check; returns the number of violations."""
    total = sum(found.values())
    verdict = "exactly once: OK" if total == 0 else f"exactly once: {total} VIOLATIONS"
    print(f"{verdict} ({renewals} renewals: invoice, order, charge, provider charge, payment)")
    for rule, count in found.items():
        print(f"  {rule:<58} {count:>6}")
    return total
