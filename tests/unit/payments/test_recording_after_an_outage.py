"""The provider answered but the database could not take the answer (issue 16): it is
recorded as soon as the database is back, not when the charge's lease runs out; an error of
the charge itself is not retried."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from services.payments.service_layer.processing import Policy, once_stored

POLICY = Policy(lease=timedelta(seconds=60))


def database_restarting() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("the database system is shutting down"))


async def test_an_answer_is_recorded_as_soon_as_the_database_is_back() -> None:
    attempts: list[float] = []

    async def record() -> bool:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise database_restarting()
        return True

    started = time.monotonic()
    assert await once_stored(record, POLICY) is True
    assert len(attempts) == 3 and time.monotonic() - started < 2  # seconds, not a 60 s lease


async def test_an_error_of_the_charge_itself_is_raised_at_once() -> None:
    calls = 0

    async def record() -> bool:
        nonlocal calls
        calls += 1
        raise KeyError("charge")

    with pytest.raises(KeyError):
        await once_stored(record, POLICY)
    assert calls == 1


async def test_past_the_lease_the_answer_is_left_to_the_lease() -> None:
    async def record() -> bool:
        raise database_restarting()

    with pytest.raises(OperationalError):
        await asyncio.wait_for(once_stored(record, Policy(lease=timedelta(seconds=0.5))), 5)
