"""Acceptance (R-PAY-1): after the whole suite, no card number or security code anywhere in the
databases or logs of the run. Collected last (tests/conftest.py), after every test that sends
card data to be refused (tests/e2e/test_payments_methods.py)."""

from __future__ import annotations

from pathlib import Path

from tests.audit.scan import card_data_in_database, card_data_in_files


async def test_no_card_number_or_security_code_in_any_database_or_log(
    artifacts: Path, database_urls: dict[str, str]
) -> None:
    """Service logs, SQLite databases and the provider's ledger under var/test-run, and every
    PostgreSQL database of the run."""
    findings = card_data_in_files(artifacts)
    for url in database_urls.values():
        findings += await card_data_in_database(url)

    assert findings == [], "card data at rest:\n" + "\n".join(map(str, findings))
