"""Projections and the sent-message log of the notifications service."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.orm import (
    account_contacts,
    automatic_quotes,
    customers,
    mail_messages,
    payment_methods,
    subscriptions,
)
from services.notifications.domain.rules import Contact


def _insert_for(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _upsert_newest(session: AsyncSession, table: Table, values: dict[str, Any]) -> Any:
    """Insert, or replace only with a snapshot at least as new (out-of-order safe)."""
    values = {k: v for k, v in values.items() if k in table.c}
    stmt = _insert_for(session)(table).values(**values)
    keys = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=keys,
        set_={k: stmt.excluded[k] for k in values if k not in keys},
        where=table.c.occurred_at <= stmt.excluded.occurred_at,
    )


@dataclass(frozen=True)
class Account:
    csn: str
    company_name: str
    country: str | None
    language: str | None
    contacts: list[Contact]


@dataclass(frozen=True)
class QueuedMail:
    fact_key: str
    kind: str
    csn: str
    recipient: str
    language: str
    subject: str
    text_body: str
    html_body: str
    attachment_invoice_id: str | None = None
    attachment_name: str | None = None


def _account(csn: str, people: Any, company: Any) -> Account:
    contacts = [
        Contact(c["email"], c["name"], frozenset(c["roles"]))
        for c in (json.loads(people.contacts) if people else [])
    ]
    return Account(
        csn=csn,
        company_name=company.company_name if company else csn,
        country=company.country if company else None,
        language=people.language if people else None,
        contacts=contacts,
    )


class NotificationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- projections ---------------------------------------------------------------------
    async def record(self, table: Table, values: dict[str, Any]) -> None:
        await self.session.execute(_upsert_newest(self.session, table, values))

    async def record_contacts(
        self, csn: str, language: str | None, contacts: list[dict[str, Any]], at: datetime
    ) -> None:
        await self.record(
            account_contacts,
            {"csn": csn, "language": language, "contacts": json.dumps(contacts), "occurred_at": at},
        )

    async def record_automatic_quote(
        self, subscription_id: str, period_start: date, quote_number: str
    ) -> None:
        stmt = _insert_for(self.session)(automatic_quotes).values(
            subscription_id=subscription_id, period_start=period_start, quote_number=quote_number
        )
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def automatic_quote(self, subscription_id: str, period_start: date) -> str | None:
        return await self.session.scalar(
            select(automatic_quotes.c.quote_number).where(
                automatic_quotes.c.subscription_id == subscription_id,
                automatic_quotes.c.period_start == period_start,
            )
        )

    async def account(self, csn: str) -> Account:
        """What we know of an account: no contacts known means nobody to tell (R-NOTE-5)."""
        return (await self.accounts([csn]))[csn]

    async def accounts(self, csns: Collection[str]) -> dict[str, Account]:
        """`account` of each of these, in two statements."""
        if not csns:
            return {}
        ordered = sorted(csns)
        people = {
            row.csn: row
            for row in await self.session.execute(
                select(account_contacts).where(account_contacts.c.csn.in_(ordered))
            )
        }
        companies = {
            row.csn: row
            for row in await self.session.execute(
                select(customers).where(customers.c.csn.in_(ordered))
            )
        }
        return {csn: _account(csn, people.get(csn), companies.get(csn)) for csn in ordered}

    async def subscriptions_renewing_between(self, first: date, last: date) -> list[Any]:
        rows = await self.session.execute(
            select(subscriptions).where(
                subscriptions.c.renewal_date >= first, subscriptions.c.renewal_date <= last
            )
        )
        return list(rows.all())

    async def methods_with_expiry(self) -> list[Any]:
        rows = await self.session.execute(
            select(payment_methods).where(
                payment_methods.c.status == "active", payment_methods.c.exp_year.is_not(None)
            )
        )
        return list(rows.all())

    async def method_label(self, payment_method_id: str | None) -> str | None:
        if payment_method_id is None:
            return None
        return await self.session.scalar(
            select(payment_methods.c.label).where(
                payment_methods.c.payment_method_id == payment_method_id
            )
        )

    # --- the sent-message log ------------------------------------------------------------
    async def queue(self, mail: QueuedMail, mail_id: str, now: datetime) -> bool:
        """One row per fact and recipient: a second one for the same key is a no-op."""
        stmt = (
            _insert_for(self.session)(mail_messages)
            .values(
                id=mail_id,
                **mail.__dict__,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["fact_key"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def due(self, now: datetime, limit: int) -> list[Any]:
        """Pending messages whose time has come, locked so that N replicas never take the same
        one (SKIP LOCKED; SQLite runs one replica)."""
        stmt = (
            select(mail_messages)
            .where(mail_messages.c.status == "pending", mail_messages.c.next_attempt_at <= now)
            .order_by(mail_messages.c.created_at, mail_messages.c.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return list((await self.session.execute(stmt)).all())

    async def mark(self, mail_id: str, **values: Any) -> None:
        await self.session.execute(
            update(mail_messages).where(mail_messages.c.id == mail_id).values(**values)
        )
