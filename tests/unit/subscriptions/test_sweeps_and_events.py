"""The sweeps count what they change, so that draining full batches stops when a batch is not
all changed (issue 17: a selection the aggregate refuses must not make the loop spin); and
aggregates record the events of their changes for the unit of work to publish."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any

import pytest

from services.subscriptions.app import drain_sweep
from services.subscriptions.domain import events
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import Status
from services.subscriptions.service_layer.commands import RequestDueRenewals
from services.subscriptions.service_layer.sweeps import request_due_renewals
from shared.aggregate import NewVersion
from shared.clock import FixedClock
from shared.errors import DomainError
from tests.unit.subscriptions.test_renewal_rules import CARD, subscription

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeRepository:
    def __init__(self, selected: list[Subscription]) -> None:
        self.selected = selected

    async def lock_due_for_renewal(self, today: date, limit: int) -> list[Subscription]:
        return self.selected[:limit]

    async def methods(self, ids: list[str]) -> dict[str, Any]:
        return {CARD.id: CARD}


class FakeUnitOfWork:
    def __init__(self, selected: list[Subscription]) -> None:
        self.subscriptions = FakeRepository(selected)
        self.clock = FixedClock(NOW)
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.committed = True


class FakeRelay:
    wakes = 0

    def wake(self) -> None:
        self.wakes += 1


class FakeService:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.relay, self._uow = FakeRelay(), uow

    def uow(self) -> FakeUnitOfWork:
        return self._uow


async def test_a_full_batch_the_aggregate_refuses_in_part_ends_the_drain() -> None:
    not_due = subscription(id="sub-later", renewal_date=date(2026, 4, 1))
    due = [subscription(id=f"sub-{n}", renewal_date=date(2026, 3, 1)) for n in range(2)]
    uow = FakeUnitOfWork([*due, not_due])  # the selection and the aggregate disagree on one
    service = FakeService(uow)
    rounds = 0

    async def sweep(u: Any) -> int:
        nonlocal rounds
        rounds += 1
        return await request_due_renewals(RequestDueRenewals(3), u, FixedClock(NOW))

    await drain_sweep(service, sweep, 3)  # type: ignore[arg-type]
    # a short batch ends it; its commit wakes the relay (the real unit of work's after_commit)
    assert rounds == 1 and service.relay.wakes == 0 and uow.committed
    assert [s.renewal_pending for s in due] == [True, True]
    assert not not_due.renewal_pending


async def test_full_batches_are_drained_until_a_short_one() -> None:
    service = FakeService(FakeUnitOfWork([]))
    changed = iter([5, 5, 1])

    async def sweep(_: Any) -> int:
        return next(changed)

    await drain_sweep(service, sweep, 5)  # type: ignore[arg-type]
    assert service.relay.wakes == 2  # after each full batch; the last one's commit woke it


def test_a_requested_renewal_records_its_event_then_a_new_version_r_sub_5() -> None:
    sub = subscription(renewal_date=date(2026, 3, 1))
    renewal = sub.request_renewal(NOW)
    recorded = [event for _, event in sub.collect_events()]
    assert recorded == [events.RenewalRequested(renewal), NewVersion(sub.version)]
    assert sub.collect_events() == []  # collected once


def test_a_refused_change_records_nothing_r_sub_7() -> None:
    sub = subscription(status=Status.EXPIRED, auto_renew=False)
    with pytest.raises(DomainError):
        sub.set_auto_renew(True, CARD)
    assert sub.collect_events() == []
