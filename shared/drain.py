"""Periodic jobs that work through a backlog in batches: run one batch after another until a
batch comes back short (fewer than asked), so one tick clears what is due without one
transaction holding everything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


async def drain(
    run_batch: Callable[[], Awaitable[int]],
    batch_size: int,
    *,
    after_full_batch: Callable[[], object] | None = None,
    max_batches: int | None = None,
) -> int:
    """Run `run_batch` (which handles at most `batch_size` items and says how many it handled)
    until it handles fewer than `batch_size`; `after_full_batch` runs after each full one (to
    wake the outbox relay, say). `max_batches` bounds one tick, should a batch keep coming back
    full without making progress. Returns how many items were handled in all."""
    handled, batches = 0, 0
    while True:
        done = await run_batch()
        handled, batches = handled + done, batches + 1
        if done < batch_size or (max_batches is not None and batches >= max_batches):
            return handled
        if after_full_batch is not None:
            after_full_batch()
