"""Quotes repository: every query is scoped to one customer account (CSN)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quotes.adapters.orm import quotes
from services.quotes.domain.model import Quote, QuoteStatus


class QuoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_active(
        self, csn: str, today: date, *, limit: int, offset: int
    ) -> tuple[list[Quote], int]:
        """Draft or sent and not past expiry (R-QUO-1)."""
        where = [
            quotes.c.csn == csn,
            quotes.c.status.in_([QuoteStatus.DRAFT.value, QuoteStatus.SENT.value]),
            quotes.c.expiry_date >= today,
        ]
        total = await self.session.scalar(select(func.count()).select_from(quotes).where(*where))
        rows = await self.session.scalars(
            select(Quote).where(*where).order_by(quotes.c.expiry_date).limit(limit).offset(offset)
        )
        return list(rows.all()), int(total or 0)
