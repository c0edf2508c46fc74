"""Rate limiting per caller (subject + customer account): a token bucket of `burst` requests
refilled at `rate` per second. Buckets live in the memory of one gateway replica, so the
limits are per replica: with N replicas behind a load balancer a caller may get up to N times
the rate. That bounds what one caller can cost a replica, which is the point; a shared limit
across replicas would need a shared store (e.g. Redis), which the gateway deliberately lacks."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.gateway.auth import PrincipalDep
from shared.errors import DomainError
from shared.principal import Principal


class RateLimited(DomainError):
    status = 429

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            "rate_limited",
            f"Too many requests from this caller; retry in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        now: Callable[[], float] = time.monotonic,
        max_callers: int = 100_000,
    ) -> None:
        self.rate, self.burst, self.now = rate_per_second, burst, now
        self.max_callers = max_callers
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait_for(self, caller: str) -> float:
        """Take one token: 0 when allowed, else how many seconds until one is available."""
        now = self.now()
        bucket = self._buckets.pop(caller, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[caller] = bucket  # most recently seen last: the oldest are evicted first
        if len(self._buckets) > self.max_callers:
            self._buckets.popitem(last=False)  # idle long enough to be full again anyway
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def check(self, caller: str) -> None:
        if (wait := self.wait_for(caller)) > 0:
            raise RateLimited(wait)


async def limited_caller(request: Request, principal: PrincipalDep) -> Principal:
    """The authenticated caller, within its rate (429 `rate_limited` otherwise)."""
    request.app.state.limiter.check(f"{principal.subject}|{principal.csn}")
    return principal


CallerDep = Annotated[Principal, Depends(limited_caller)]
