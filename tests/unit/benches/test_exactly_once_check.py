"""The renewal bench's exactly-once check counts each kind of violation (bench/exactly_once.py):
the rows it reads are given here, as the databases would answer them."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench import exactly_once

pytestmark = pytest.mark.unit
URLS = {"subscriptions": "s", "invoicing": "i", "payments": "p"}
RENEWED_TO = {"sub-bench-000001": date(2027, 12, 3), "sub-bench-000002": date(2027, 12, 3)}


def ledger(path: Path, keys: list[str]) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE charges (idempotency_key TEXT, status TEXT)")
        conn.executemany("INSERT INTO charges VALUES (?, 'succeeded')", [(k,) for k in keys])
    return path


def answers(tables: dict[str, list[Any]]) -> Any:
    async def rows(url: str, sql: str, **_: Any) -> list[Any]:
        for fragment, result in tables.items():
            if fragment in sql:
                return result
        raise AssertionError(sql)

    return rows


async def test_every_renewal_once_is_no_violation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exactly_once, "rows", answers({
        "FROM subscriptions": list(RENEWED_TO.items()),
        "invoice_lines": [("sub-bench-000001", "i1", "paid"), ("sub-bench-000002", "i2", "paid")],
        "FROM orders": [("i1",), ("i2",)],
        "invoice_payments": [("i1",), ("i2",)],
        "FROM charges": [("i1",), ("i2",)],
    }))  # fmt: skip
    paid = ledger(tmp_path / "l.db", ["invoice:i1:attempt:1", "invoice:i2:attempt:1"])
    found = await exactly_once.check(URLS, paid, "sub-bench-", RENEWED_TO)
    assert set(found.values()) == {0}
    assert exactly_once.report(found, 2) == 0


async def test_each_duplicate_or_gap_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exactly_once, "rows", answers({
        "FROM subscriptions": [("sub-bench-000001", date(2028, 12, 3)),
                               ("sub-bench-000002", date(2027, 12, 3))],
        "invoice_lines": [("sub-bench-000001", "i1", "paid"), ("sub-bench-000001", "i3", "open")],
        "FROM orders": [("i1",), ("i1",)],
        "invoice_payments": [("i1",)],
        "FROM charges": [("i1",), ("i1",), ("i3",)],
    }))  # fmt: skip
    twice = ledger(tmp_path / "l.db", ["invoice:i1:attempt:1", "invoice:i1:attempt:2"])
    found = await exactly_once.check(URLS, twice, "sub-bench-", RENEWED_TO)
    assert found == {
        "subscriptions not renewed by exactly one term": 1,
        "renewals without an invoice": 1,
        "renewals with more than one invoice": 1,
        "renewal invoices not paid": 1,
        "invoices without exactly one order": 2,
        "invoices without exactly one charge": 1,
        "invoices without exactly one successful provider charge": 2,
        "invoices without exactly one applied payment": 1,
    }
    assert exactly_once.report(found, 2) == 10
