"""Looks for card data at rest: Luhn-valid 13-19 digit runs (card numbers) and security codes
written next to their name, in files (logs, the provider's ledger), in SQLite databases (every
cell of every table, their WAL included, read through SQLite: their pages glue neighbouring
values together, which would make digit runs that no row holds) and in PostgreSQL databases
(every row of every table, read as text)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.card_data import card_numbers_in, security_codes_in


@dataclass(frozen=True)
class Finding:
    where: str
    what: str  # masked: the finding itself must not print a card number

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _mask(pan: str) -> str:
    return f"{pan[:4]}…{pan[-2:]} ({len(pan)} digits)"


def card_data_in_text(text: str, where: str) -> list[Finding]:
    found = [Finding(where, f"card number {_mask(p)}") for p in card_numbers_in(text)]
    return found + [
        Finding(where, f"security code after {name!r}") for name in security_codes_in(text)
    ]


SQLITE_MAGIC = b"SQLite format 3\x00"
# faststream names a consumed record "<partition>-<offset>-<timestamp in ms>" in its spans: the
# 13-digit timestamp is Luhn-valid one time in ten. It is made by the broker, never typed by
# anyone, so it is taken out of trace files before they are scanned; the rest of each span is.
_RECORD_ID = re.compile(rb'"messaging\.message\.id": "\d+-\d+-\d{13}"')


def card_data_in_files(root: Path) -> list[Finding]:
    """Every file under `root`: SQLite databases cell by cell, any other file as bytes."""
    findings: list[Finding] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.endswith(("-wal", "-shm", "-journal")):
            continue  # read with their database
        with path.open("rb") as f:
            is_sqlite = f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
        if is_sqlite:
            text = _sqlite_cells(path)
        else:
            raw = path.read_bytes()
            if path.suffix == ".jsonl":  # spans (shared/observability/tracing.py)
                raw = _RECORD_ID.sub(b'"messaging.message.id": "<record>"', raw)
            text = raw.decode("latin-1")
        findings += card_data_in_text(text, str(path))
    return findings


def _sqlite_cells(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        cells = [
            str(cell)
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"')
            for cell in row
            if cell is not None
        ]
    finally:
        conn.close()
    return "\n".join(cells)


async def card_data_in_database(url: str) -> list[Finding]:
    """Every row of every table of a PostgreSQL database, as text; SQLite files are scanned
    as files."""
    if not url.startswith("postgresql"):
        return []
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    findings: list[Finding] = []
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        for (table,) in tables:
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{table}" t')
            text = "\n".join(r["row"] for r in rows)
            findings += card_data_in_text(text, f"{dsn.rsplit('/', 1)[-1]}.{table}")
    finally:
        await conn.close()
    return findings
