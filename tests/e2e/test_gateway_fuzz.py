"""schemathesis against the gateway's OpenAPI document with the live stack: generated valid
and invalid requests, with and without a valid token, never get a 5xx. Bounded so the suite
stays fast; `python -m bench.fuzz` runs thousands."""

from __future__ import annotations

import pytest

from bench.fuzz import fuzz
from shared.infra.stack import Stack

pytestmark = pytest.mark.slow


def test_generated_requests_never_get_a_server_error(stack: Stack) -> None:
    report = fuzz(stack.url("gateway"), examples=6)
    assert report.requests >= 200, report.summary()
    assert not report.server_errors, "\n".join(report.server_errors[:10])
    assert {401, 403}.issubset(report.by_status) and any(s < 300 for s in report.by_status)
