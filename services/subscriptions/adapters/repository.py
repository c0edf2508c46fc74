"""Subscriptions repository: every customer query is scoped to one account (CSN)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.subscriptions.adapters.orm import (
    payment_methods,
    prices,
    renewal_carts,
    subscriptions,
    teams,
)
from services.subscriptions.adapters.sql_criteria import to_sql
from services.subscriptions.domain import rules
from services.subscriptions.domain.cart import RenewalCart
from services.subscriptions.domain.model import Subscription
from services.subscriptions.domain.values import Status, Term
from services.subscriptions.domain.views import BillingAddressView, PaymentMethodView, Price, Team

S = subscriptions.c

SORTS = {
    "renewal_date": (S.renewal_date, S.id),
    "product": (S.product_name, S.id),
    "seats": (S.seats, S.id),
    "status": (S.status, S.renewal_date, S.id),
    "start_date": (S.start_date, S.id),
    "id": (S.id,),
}


@dataclass
class ListQuery:
    """Filters of the subscriptions list (R-SUB-2); None means 'any'."""

    product: str | None = None
    status: list[str] = field(default_factory=list)
    team_id: str | None = None
    term: str | None = None
    auto_renew: bool | None = None
    payment_method_id: str | None = None
    payment_method_kind: str | None = None
    purchase_method: str | None = None
    expiring_within_days: int | None = None
    csn: str | None = None
    currency: str | None = None
    contract_id: str | None = None
    partner_csn: str | None = None
    payment_error: bool | None = None
    q: str | None = None
    ids: list[str] = field(default_factory=list)
    sort: str = "renewal_date"
    descending: bool = False


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    def add_team(self, team: Team) -> None:
        self.session.add(team)

    # --- one subscription -----------------------------------------------------------------

    async def get(self, csn: str, subscription_id: str) -> Subscription | None:
        return await self.session.scalar(
            select(Subscription).where(S.id == subscription_id, S.csn == csn)
        )

    async def get_for_update(self, subscription_id: str) -> Subscription | None:
        """Lock the row (PostgreSQL) so that concurrent handlers and replicas serialise."""
        return await self.session.scalar(
            select(Subscription).where(S.id == subscription_id).with_for_update()
        )

    async def many_for_update(self, csn: str, ids: Sequence[str]) -> dict[str, Subscription]:
        """The account's subscriptions among `ids`, locked in id order (no deadlocks)."""
        rows = await self.session.scalars(
            select(Subscription)
            .where(S.csn == csn, S.id.in_(list(ids)))
            .order_by(S.id)
            .with_for_update()
        )
        return {s.id: s for s in rows.all()}

    # --- sweeps (N replicas: SKIP LOCKED) -------------------------------------------------

    async def lock_due_for_renewal(self, today: date, limit: int) -> list[Subscription]:
        """Due for auto-renewal as the domain defines it (rules.due_for_auto_renewal), locked
        with SKIP LOCKED so N replicas share the sweep."""
        pm = payment_methods.c
        stmt = (
            select(Subscription)
            .join(payment_methods, pm.id == S.payment_method_id)
            .where(to_sql(rules.due_for_auto_renewal(today)))
            .order_by(S.renewal_date, S.id)
            .limit(limit)
            .with_for_update(of=subscriptions, skip_locked=True)
        )
        return list((await self.session.scalars(stmt)).all())

    async def lock_unanswered_renewals(
        self, now: datetime, after: timedelta, limit: int
    ) -> list[Subscription]:
        """Renewals the sweep requested `after` ago or more and still pending
        (rules.renewal_unanswered): the candidates of reconciliation, shared by N replicas."""
        stmt = (
            select(Subscription)
            .where(to_sql(rules.renewal_unanswered(now, after)))
            .order_by(S.renewal_requested_at, S.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(stmt)).all())

    async def lock_expirable(self, today: date, grace_days: int, limit: int) -> list[Subscription]:
        """Expired by the domain's definition (rules.expired_by, R-SUB-13), not yet marked."""
        stmt = (
            select(Subscription)
            .where(to_sql(rules.expired_by(today, grace_days)))
            .order_by(S.renewal_date, S.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(stmt)).all())

    # --- lists ----------------------------------------------------------------------------

    def _filtered(
        self, csn: str, query: ListQuery, today: date, assigned_to: str | None
    ) -> Select[Any]:
        where: list[Any] = [S.csn == csn]
        if assigned_to is not None:
            where.append(S.assigned_to == assigned_to)
        if query.csn is not None:
            where.append(S.csn == query.csn)
        if query.product:
            where.append(or_(S.product_code == query.product, S.product_name == query.product))
        if query.status:
            where.append(S.status.in_(query.status))
        for col, value in (
            (S.team_id, query.team_id),
            (S.term, query.term),
            (S.payment_method_id, query.payment_method_id),
            (S.purchase_method, query.purchase_method),
            (S.currency, query.currency),
            (S.contract_id, query.contract_id),
            (S.partner_csn, query.partner_csn),
        ):
            if value is not None:
                where.append(col == value)
        if query.auto_renew is not None:
            where.append(S.auto_renew.is_(query.auto_renew))
        if query.payment_error is not None:
            where.append(
                S.payment_error.is_not(None) if query.payment_error else S.payment_error.is_(None)
            )
        if query.payment_method_kind is not None:
            where.append(
                S.payment_method_id.in_(
                    select(payment_methods.c.id).where(
                        payment_methods.c.csn == csn,
                        payment_methods.c.kind == query.payment_method_kind,
                    )
                )
            )
        if query.expiring_within_days is not None:
            where.append(
                and_(
                    S.status.in_([Status.ACTIVE.value, Status.TRIAL.value]),
                    S.renewal_date >= today,
                    S.renewal_date <= today + timedelta(days=query.expiring_within_days),
                )
            )
        if query.ids:
            where.append(S.id.in_(query.ids))
        if query.q:
            where.append(_search(csn, query.q))
        return select(Subscription).where(*where)

    async def page(
        self,
        csn: str,
        query: ListQuery,
        today: date,
        *,
        limit: int,
        offset: int,
        assigned_to: str | None = None,
    ) -> tuple[list[Subscription], int]:
        """One page and the number of matches. A page shorter than `limit` is the last one, so
        its end is the total and the count (a pass over every match, the larger part of a
        search's time on a large account, issue 12) is skipped."""
        stmt = self._filtered(csn, query, today, assigned_to)
        order = [c.desc() if query.descending else c.asc() for c in SORTS[query.sort]]
        rows = await self.session.scalars(stmt.order_by(*order).limit(limit).offset(offset))
        items = list(rows.all())
        if len(items) < limit and (items or offset == 0):
            return items, offset + len(items)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        return items, int(total or 0)

    async def stream(
        self, csn: str, query: ListQuery, today: date, assigned_to: str | None, batch: int = 500
    ) -> AsyncIterator[list[Subscription]]:
        """Every matching subscription, in keyset-paginated batches (CSV export)."""
        stmt = self._filtered(csn, query, today, assigned_to)
        after: str | None = None
        while True:
            page = stmt.order_by(S.id).limit(batch)
            if after is not None:
                page = page.where(S.id > after)
            rows = list((await self.session.scalars(page)).all())
            if not rows:
                return
            yield rows
            after = rows[-1].id

    async def all_of(self, csn: str, assigned_to: str | None = None) -> list[Subscription]:
        where: list[Any] = [S.csn == csn]
        if assigned_to is not None:
            where.append(S.assigned_to == assigned_to)
        rows = await self.session.scalars(select(Subscription).where(*where).order_by(S.id))
        return list(rows.all())

    async def teams_of(self, csn: str) -> dict[str, str]:
        rows = await self.session.execute(
            select(teams.c.id, teams.c.name).where(teams.c.csn == csn)
        )
        return {r.id: r.name for r in rows}

    # --- projections and catalogue ----------------------------------------------------------

    async def method(self, method_id: str | None) -> PaymentMethodView | None:
        if method_id is None:
            return None
        return await self.session.get(PaymentMethodView, method_id)

    async def methods(self, ids: Sequence[str]) -> dict[str, PaymentMethodView]:
        rows = await self.session.scalars(
            select(PaymentMethodView).where(payment_methods.c.id.in_(list(ids)))
        )
        return {m.id: m for m in rows.all()}

    async def address(self, csn: str) -> BillingAddressView | None:
        return await self.session.get(BillingAddressView, csn)

    async def price(self, product_code: str, term: Term, currency: str) -> Price | None:
        return await self.session.scalar(
            select(Price).where(
                prices.c.product_code == product_code,
                prices.c.term == term.value,
                prices.c.currency == currency,
            )
        )

    async def cart(self, csn: str, cart_id: str) -> RenewalCart | None:
        return await self.session.scalar(
            select(RenewalCart).where(renewal_carts.c.id == cart_id, renewal_carts.c.csn == csn)
        )

    async def cart_for_update(self, csn: str, cart_id: str) -> RenewalCart | None:
        return await self.session.scalar(
            select(RenewalCart)
            .where(renewal_carts.c.id == cart_id, renewal_carts.c.csn == csn)
            .with_for_update()
        )


def _search(csn: str, q: str) -> Any:
    """Free text in the id, product, contract, assignee, partner or team name (R-SUB-2)."""
    pattern = f"%{_escape_like(q.lower())}%"
    team_ids = select(teams.c.id).where(
        teams.c.csn == csn, func.lower(teams.c.name).like(pattern, escape="\\")
    )
    return or_(
        *(
            func.lower(col).like(pattern, escape="\\")
            for col in (
                S.id,
                S.product_name,
                S.product_code,
                S.contract_id,
                S.assigned_to,
                S.partner_csn,
            )
        ),
        S.team_id.in_(team_ids),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
