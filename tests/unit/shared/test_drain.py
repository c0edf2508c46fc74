"""The periodic drain: batches until one comes back short."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from shared.drain import drain

pytestmark = pytest.mark.unit


def batches(*sizes: int) -> tuple[list[int], Callable[[], Awaitable[int]]]:
    left = list(sizes)
    ran: list[int] = []

    async def run_batch() -> int:
        ran.append(left[0])
        return left.pop(0)

    return ran, run_batch


async def test_a_backlog_is_drained_until_a_batch_comes_back_short() -> None:
    ran, run_batch = batches(10, 10, 3, 10)
    woken: list[int] = []
    handled = await drain(run_batch, 10, after_full_batch=lambda: woken.append(1))
    assert handled == 23
    assert ran == [10, 10, 3]  # the fourth batch waits for the next tick
    assert len(woken) == 2  # after each full batch


async def test_an_empty_backlog_runs_one_batch() -> None:
    ran, run_batch = batches(0, 10)
    assert await drain(run_batch, 10) == 0
    assert ran == [0]


async def test_max_batches_bounds_a_backlog_that_stays_full() -> None:
    ran, run_batch = batches(*([5] * 10))
    assert await drain(run_batch, 5, max_batches=3) == 15
    assert ran == [5, 5, 5]
