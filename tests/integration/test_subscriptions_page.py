"""The subscriptions list's page and total (R-SUB-2): the count is skipped when the page is the
last one (issue 12's table budget), and the total stays exact on every kind of page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import AsyncEngine

from services.subscriptions.adapters.orm import subscriptions
from services.subscriptions.adapters.repository import ListQuery
from services.subscriptions.service_layer.uow import SubscriptionsUnitOfWork
from shared.clock import SystemClock
from tests.integration.test_renewal_sweep import monthly

CSN = "5100000009"  # the account of test_renewal_sweep.monthly


async def test_totals_are_exact_whether_or_not_the_count_runs(
    clean_messaging: AsyncEngine,
    subscriptions_uow: Callable[[], SubscriptionsUnitOfWork],
) -> None:
    today = SystemClock().today()
    async with clean_messaging.begin() as conn:
        await conn.execute(delete(subscriptions))
    async with subscriptions_uow() as uow:
        for n in range(7):
            uow.subscriptions.add(monthly(f"sub-page-{n}", today + timedelta(days=n + 1), True))
        await uow.commit()

    counts: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lower().startswith("select count("):
            counts.append(statement)

    event.listen(clean_messaging.sync_engine, "before_cursor_execute", seen)
    cases = [  # q, limit, offset -> rows on the page, total, whether the count ran
        (None, 5, 0, 5, 7, True),  # a full page: counted
        (None, 5, 5, 2, 7, False),  # the last, partial page: its end is the total
        (None, 10, 0, 7, 7, False),  # everything on one page
        ("sub-page-3", 5, 0, 1, 1, False),  # a search with one match
        ("nothing", 5, 0, 0, 0, False),  # no match at all
        (None, 5, 10, 0, 7, True),  # beyond the end: counted, the total stays right
        (None, 7, 0, 7, 7, True),  # exactly full: counted
    ]
    try:
        for q, limit, offset, on_page, total, count_ran in cases:
            counts.clear()
            async with subscriptions_uow() as uow:
                items, counted = await uow.subscriptions.page(
                    CSN, ListQuery(q=q), today, limit=limit, offset=offset
                )
            got = (len(items), counted, bool(counts))
            assert got == (on_page, total, count_ran), (q, limit, offset)
    finally:
        event.remove(clean_messaging.sync_engine, "before_cursor_execute", seen)
