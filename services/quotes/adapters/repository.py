"""Quotes repositories: every query is scoped to one customer account (CSN), and for a partner
to the quotes and subscriptions it is agent of record of."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.quotes.adapters.orm import (
    account_contacts,
    automatic_quote_renewals,
    company_contacts,
    customer_snapshots,
    offers,
    promotions,
    quote_lines,
    quote_sequences,
    quotes,
    subscription_snapshots,
)
from services.quotes.domain.drafting import PriceBook
from services.quotes.domain.eligibility import CustomerSnapshot, SubscriptionSnapshot
from services.quotes.domain.model import LineKind, Quote, QuoteOrigin, QuoteStatus
from services.quotes.domain.pricing import Offer, Promotion


class QuoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, quote: Quote) -> None:
        self.session.add(quote)

    async def get(
        self, csn: str, quote_id: str, *, partner_csn: str | None = None, for_update: bool = False
    ) -> Quote | None:
        """The account's quote; for a partner, only the quotes it made (no existence leak)."""
        stmt = select(Quote).where(quotes.c.id == quote_id, quotes.c.csn == csn)
        if partner_csn is not None:
            stmt = stmt.where(
                quotes.c.partner_csn == partner_csn,
                quotes.c.origin == QuoteOrigin.PARTNER.value,
            )
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def list_active(
        self,
        csn: str,
        today: date,
        *,
        limit: int,
        offset: int,
        origin: QuoteOrigin | None = None,
        partner_csn: str | None = None,
    ) -> tuple[list[Quote], int]:
        """Drafts, and sent quotes not past their expiry date (R-QUO-1)."""
        where = [
            quotes.c.csn == csn,
            or_(
                quotes.c.status == QuoteStatus.DRAFT.value,
                and_(quotes.c.status == QuoteStatus.SENT.value, quotes.c.expires_on >= today),
            ),
        ]
        if origin is not None:
            where.append(quotes.c.origin == origin.value)
        if partner_csn is not None:
            where.append(quotes.c.partner_csn == partner_csn)
        total = await self.session.scalar(select(func.count()).select_from(quotes).where(*where))
        rows = await self.session.scalars(
            select(Quote)
            .where(*where)
            .order_by(quotes.c.created_at.desc(), quotes.c.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), int(total or 0)

    async def holding_renewals(
        self, subs: list[SubscriptionSnapshot], today: date, *, except_quote: str | None = None
    ) -> dict[str, str]:
        """Subscription id -> number of the sent (still valid) or accepted quote that already
        holds its current renewal."""
        if not subs:
            return {}
        renewal_dates = {s.subscription_id: s.renewal_date for s in subs}
        stmt = (
            select(quote_lines.c.subscription_id, quote_lines.c.period_start, quotes.c.number)
            .join(quotes, quotes.c.id == quote_lines.c.quote_id)
            .where(
                quote_lines.c.subscription_id.in_(list(renewal_dates)),
                quote_lines.c.kind == LineKind.RENEWAL.value,
                or_(
                    quotes.c.status == QuoteStatus.ACCEPTED.value,
                    and_(
                        quotes.c.status == QuoteStatus.SENT.value,
                        quotes.c.expires_on >= today,
                        # An automatic quote is advice, not a hold (R-QUO-8).
                        quotes.c.origin != QuoteOrigin.AUTOMATIC.value,
                    ),
                ),
            )
        )
        if except_quote is not None:
            stmt = stmt.where(quotes.c.id != except_quote)
        rows = (await self.session.execute(stmt)).all()
        return {
            r.subscription_id: r.number
            for r in rows
            if renewal_dates.get(r.subscription_id) == r.period_start
        }

    async def automatic_advice_for(self, subscription_id: str) -> list[Quote]:
        """Automatic quotes still on offer (draft or sent) with a renewal of this subscription."""
        return await self.automatic_advice_of([subscription_id])

    async def automatic_advice_of(self, subscription_ids: Collection[str]) -> list[Quote]:
        """Automatic quotes still on offer (draft or sent) with a renewal of any of these
        subscriptions, in one statement (a batch of snapshots), locked in id order: two
        replicas' batches take their locks in the same order."""
        if not subscription_ids:
            return []
        quoting = select(quote_lines.c.quote_id).where(
            quote_lines.c.subscription_id.in_(sorted(subscription_ids))
        )
        stmt = (
            select(Quote)
            .where(
                quotes.c.id.in_(quoting),
                quotes.c.origin == QuoteOrigin.AUTOMATIC.value,
                quotes.c.status.in_([QuoteStatus.DRAFT.value, QuoteStatus.SENT.value]),
            )
            .order_by(quotes.c.id)
            .with_for_update()
        )
        return list((await self.session.scalars(stmt)).all())

    async def claim_automatic_renewals(
        self, quote_id: str, renewals: dict[str, str], now: Any
    ) -> bool:
        """Record that these renewals (renewal id -> subscription id) are quoted automatically by
        this quote; False when one already was (another run or replica did it): never twice."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    insert(automatic_quote_renewals),
                    [
                        {
                            "renewal_id": renewal_id,
                            "subscription_id": sub_id,
                            "quote_id": quote_id,
                            "created_at": now,
                        }
                        for renewal_id, sub_id in renewals.items()
                    ],
                )
        except IntegrityError:
            return False
        return True

    async def quoted_automatically(self, renewal_ids: list[str]) -> set[str]:
        if not renewal_ids:
            return set()
        rows = await self.session.scalars(
            select(automatic_quote_renewals.c.renewal_id).where(
                automatic_quote_renewals.c.renewal_id.in_(renewal_ids)
            )
        )
        return set(rows.all())

    async def next_number(self, csn: str) -> int:
        """Take the next per-account number inside the caller's transaction."""
        taken = await self.session.scalar(
            update(quote_sequences)
            .where(quote_sequences.c.csn == csn)
            .values(last_number=quote_sequences.c.last_number + 1)
            .returning(quote_sequences.c.last_number)
        )
        if taken is None:
            await self.session.execute(insert(quote_sequences).values(csn=csn, last_number=1))
            taken = 1
        return int(taken)

    async def expire_past(self, today: date) -> int:
        """Mark sent quotes past their expiry date as expired: one guarded statement, so N
        replicas running it at once each change a row at most once, and never an accepted one."""
        result = await self.session.execute(
            update(quotes)
            .where(quotes.c.status == QuoteStatus.SENT.value, quotes.c.expires_on < today)
            .values(status=QuoteStatus.EXPIRED.value, version=quotes.c.version + 1)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _upsert_newest(session: AsyncSession, table: Table, values: dict[str, Any]) -> Any:
    """Insert, or replace the row only with a snapshot at least as new (out-of-order safe).
    Fields the table does not keep are dropped, so a contract may grow freely."""
    values = {k: v for k, v in values.items() if k in table.c}
    stmt = _insert_for(session)(table).values(**values)
    keys = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=keys,
        set_={k: stmt.excluded[k] for k in values if k not in keys},
        where=table.c.occurred_at <= stmt.excluded.occurred_at,
    )


class ProjectionRepository:
    """What the quotes service keeps of other services' snapshots, and the company contacts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_subscription(self, values: dict[str, Any]) -> None:
        await self.session.execute(_upsert_newest(self.session, subscription_snapshots, values))

    async def record_customer(self, values: dict[str, Any]) -> None:
        await self.session.execute(_upsert_newest(self.session, customer_snapshots, values))

    async def subscriptions(
        self,
        csn: str,
        ids: list[str],
        *,
        partner_csn: str | None = None,
        for_update: bool = False,
    ) -> dict[str, SubscriptionSnapshot]:
        """The account's subscriptions among `ids`; for a partner, only those it is agent of
        record of: the others are as unknown to it as another account's. Locked rows
        serialise two quotes sent or accepted at once for the same renewal."""
        if not ids:
            return {}
        stmt = select(SubscriptionSnapshot).where(
            subscription_snapshots.c.csn == csn,
            subscription_snapshots.c.subscription_id.in_(ids),
        )
        if partner_csn is not None:
            stmt = stmt.where(subscription_snapshots.c.partner_csn == partner_csn)
        if for_update:
            stmt = stmt.order_by(subscription_snapshots.c.subscription_id).with_for_update()
        rows = await self.session.scalars(stmt)
        return {s.subscription_id: s for s in rows.all()}

    async def subscriptions_by_id(self, ids: list[str]) -> dict[str, SubscriptionSnapshot]:
        rows = await self.session.scalars(
            select(SubscriptionSnapshot).where(subscription_snapshots.c.subscription_id.in_(ids))
        )
        return {s.subscription_id: s for s in rows.all()}

    async def renewal_dates(self, ids: Collection[str]) -> dict[str, date]:
        """Each known subscription's current renewal date, in one statement."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(
                subscription_snapshots.c.subscription_id, subscription_snapshots.c.renewal_date
            ).where(subscription_snapshots.c.subscription_id.in_(sorted(ids)))
        )
        return {subscription_id: renewal_date for subscription_id, renewal_date in rows.all()}

    async def is_agent_of_record(self, csn: str, partner_csn: str) -> bool:
        found = await self.session.scalar(
            select(subscription_snapshots.c.subscription_id)
            .where(
                subscription_snapshots.c.csn == csn,
                subscription_snapshots.c.partner_csn == partner_csn,
            )
            .limit(1)
        )
        return found is not None

    async def customer(self, csn: str) -> CustomerSnapshot | None:
        return await self.session.get(CustomerSnapshot, csn)

    async def contacts(self, csn: str) -> set[str]:
        rows = await self.session.scalars(
            select(company_contacts.c.email).where(company_contacts.c.csn == csn)
        )
        return {email.lower() for email in rows.all()}

    async def record_account_contacts(self, csn: str, contacts: str, occurred_at: Any) -> None:
        await self.session.execute(
            _upsert_newest(
                self.session,
                account_contacts,
                {"csn": csn, "contacts": contacts, "occurred_at": occurred_at},
            )
        )

    async def account_contacts(self, csn: str) -> list[dict[str, Any]]:
        """The account's people with their roles, newest snapshot; [] when none is known."""
        raw = await self.session.scalar(
            select(account_contacts.c.contacts).where(account_contacts.c.csn == csn)
        )
        return list(json.loads(raw)) if raw else []

    async def manual_renewals_due(self, first: date, last: date) -> list[SubscriptionSnapshot]:
        """Active subscriptions renewing between these dates (both included)."""
        rows = await self.session.scalars(
            select(SubscriptionSnapshot)
            .where(
                subscription_snapshots.c.status == "active",
                subscription_snapshots.c.renewal_date >= first,
                subscription_snapshots.c.renewal_date <= last,
            )
            .order_by(subscription_snapshots.c.subscription_id)
        )
        return list(rows.all())

    async def add_contact(self, csn: str, email: str, name: str) -> None:
        """Idempotent, and safe when two replicas load the same contacts at once."""
        stmt = _insert_for(self.session)(company_contacts).values(csn=csn, email=email, name=name)
        await self.session.execute(stmt.on_conflict_do_nothing())


class PriceBookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_offer(self, offer: Offer) -> None:
        """Idempotent: an offer already listed keeps its price."""
        stmt = _insert_for(self.session)(offers).values(**dataclasses.asdict(offer))
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def load(self) -> PriceBook:
        offer_rows = (await self.session.execute(select(offers))).all()
        promo_rows = (
            await self.session.execute(select(promotions).where(promotions.c.active.is_(True)))
        ).all()
        return PriceBook(
            offers={
                (r.product_code, r.term, r.currency): Offer(
                    r.product_code, r.product_name, r.term, r.currency, r.unit_price
                )
                for r in offer_rows
            },
            promotions=[
                Promotion(
                    code=r.code,
                    description=r.description,
                    percent_off=Decimal(r.percent_off),
                    product_code=r.product_code,
                    term=r.term,
                    line_kind=r.line_kind,
                    valid_from=r.valid_from,
                    valid_until=r.valid_until,
                )
                for r in promo_rows
            ],
        )
