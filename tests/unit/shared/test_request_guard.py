"""Bodies refused before anything parses them (issue 11): nesting deeper than our documents,
card data in any field (R-PAY-1)."""

from __future__ import annotations

import json

from shared.request_guard import MAX_JSON_DEPTH, nesting_exceeds, refusal_of


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def test_nesting_up_to_the_limit_passes_and_one_more_level_is_refused() -> None:
    assert not nesting_exceeds(nested(MAX_JSON_DEPTH))
    assert nesting_exceeds(nested(MAX_JSON_DEPTH + 1))
    assert nesting_exceeds(nested(100_000))


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"reason": "[" * 500 + '\\"{' * 100, "lines": [{"amount": 1}]}).encode()
    assert not nesting_exceeds(body)
    assert refusal_of(body) is None


def test_a_card_number_in_any_field_is_refused_with_its_code() -> None:
    body = {"billing_address": {"line1": "Main St 1", "line2": "4242 4242 4242 4242"}}
    refused = refusal_of(json.dumps(body).encode())
    assert refused is not None and refused.code == "card_data_refused"
    assert refused.status == 422 and "4242" not in refused.message


def test_deep_nesting_is_refused_before_any_walk_with_a_clear_message() -> None:
    refused = refusal_of(nested(600))
    assert refused is not None and refused.code == "invalid_request"
    assert f"{MAX_JSON_DEPTH} levels" in refused.message


def test_ordinary_bodies_pass() -> None:
    for body in (
        b"",
        b"{}",
        json.dumps({"seats": 5, "payment_method_id": "pm-acme-visa"}).encode(),
        json.dumps({"subscription_ids": ["sub-1", "sub-2"], "csn": "5100000001"}).encode(),
    ):
        assert refusal_of(body) is None


def test_escaped_quotes_keep_brackets_inside_the_string() -> None:
    inside = b'{"reason": "say \\"[[[[\\" and \\\\"}'  # the string ends after \\\\ (a backslash)
    assert not nesting_exceeds(inside, limit=1)
    outside = b'{"a": "\\\\", "b": [[1]]}'
    assert nesting_exceeds(outside, limit=2) and not nesting_exceeds(outside, limit=3)


def test_a_body_of_escaped_quotes_that_never_ends_is_just_text() -> None:
    """The shape that made a whole-string pattern backtrack for minutes on 200 KB."""
    assert refusal_of(b'"' + b'\\"' * 300_000) is None
