"""The card-data audit (tests/audit) finds what it looks for: a scan that could not fail would
prove nothing (R-PAY-1)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.audit.scan import card_data_in_files

pytestmark = pytest.mark.unit


def test_scan_finds_a_card_number_in_a_log(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "payments.log").write_text(
        "2026-03-01 09:00:00,001 payments INFO body={'holder': '4000 0566 5566 5556'}\n"
    )

    [finding] = card_data_in_files(tmp_path)

    assert "payments.log" in finding.where
    assert "4000 0566" not in str(finding) and "4000056655665556" not in str(finding)


def test_scan_finds_a_card_number_and_a_security_code_inside_a_sqlite_database(
    tmp_path: Path,
) -> None:
    db = sqlite3.connect(tmp_path / "service.db")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('card 5555555555554444 cvc: 737')")
    db.commit()
    db.close()

    findings = card_data_in_files(tmp_path)

    assert {f.what.split(" ")[0] for f in findings} == {"card", "security"}


def test_scan_of_ordinary_service_output_finds_nothing(tmp_path: Path) -> None:
    (tmp_path / "ok.log").write_text(
        "2026-03-01 09:00:00,001 payments INFO charge ch-4f3a9c1b2d8e4f60a1b2c3d4e5f60718 "
        "invoice:inv-550e8400-e29b-41d4-a716-446655440000:attempt:1 amount 2249100 "
        "csn 5100000001 provider ch_sandbox_1a2b3c4d5e6f7a8b9c0d1e2f\n"
    )
    assert card_data_in_files(tmp_path) == []


def test_a_records_id_in_a_span_is_not_a_card_but_a_card_elsewhere_in_the_span_is(
    tmp_path: Path,
) -> None:
    # faststream's record id ends with a 13-digit timestamp: this one is Luhn-valid (seen in CI)
    span = (
        '{"name": "invoice-issued process", "attributes": {"messaging.message.id": "9-9-%s"%s}}\n'
    )
    (tmp_path / "payments.jsonl").write_text(
        span % ("1796205134960", "") + span % ("1796205134961", ', "note": "4111111111111111"')
    )

    [finding] = card_data_in_files(tmp_path)

    assert "payments.jsonl" in finding.where and "4111" in finding.what
