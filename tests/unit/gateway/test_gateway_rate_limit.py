"""Rate limiting per caller: a token bucket (burst, then `rate` per second)."""

from __future__ import annotations

import pytest

from services.gateway.ratelimit import RateLimited, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_caller_gets_the_burst_then_waits_for_the_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_second=2, burst=3, now=clock)
    assert [limiter.wait_for("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait_for("a") == pytest.approx(0.5)
    clock.t += 0.5
    assert limiter.wait_for("a") == 0
    clock.t += 3600  # an idle caller gets its burst back, never more
    assert [limiter.wait_for("a") for _ in range(4)][-1] > 0


def test_callers_do_not_share_a_bucket() -> None:
    limiter = RateLimiter(rate_per_second=1, burst=1, now=Clock())
    assert limiter.wait_for("alice|5100000001") == 0
    assert limiter.wait_for("alice|5100000001") > 0
    assert limiter.wait_for("nora|5100000002") == 0


def test_a_limited_caller_is_told_when_to_retry() -> None:
    limiter = RateLimiter(rate_per_second=0.25, burst=1, now=Clock())
    limiter.check("a")
    with pytest.raises(RateLimited) as limited:
        limiter.check("a")
    assert limited.value.status == 429 and limited.value.code == "rate_limited"
    assert limited.value.headers["Retry-After"] == "4"


def test_memory_is_bounded_by_evicting_the_longest_idle_caller() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_second=1, burst=1, now=clock, max_callers=2)
    for caller in ("a", "b", "c"):
        limiter.wait_for(caller)
    assert limiter.wait_for("a") == 0  # evicted, so starts full again
