from __future__ import annotations

from sqlalchemy import func, select

from services.quotes.domain.model import Quote, QuoteStatus
from shared.db import UnitOfWork


class QuoteRepository:
    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        self.session = session

    async def list_active(
        self, csn: str, today, *, limit: int, offset: int
    ) -> tuple[list[Quote], int]:  # type: ignore[no-untyped-def]
        where = [
            Quote.csn == csn,  # type: ignore[arg-type]
            Quote.status.in_([QuoteStatus.DRAFT.value, QuoteStatus.SENT.value]),  # type: ignore[attr-defined]
            Quote.expiry_date >= today,  # type: ignore[operator]
        ]
        total = await self.session.scalar(select(func.count()).select_from(Quote).where(*where))
        rows = await self.session.scalars(
            select(Quote).where(*where).order_by(Quote.expiry_date).limit(limit).offset(offset)  # type: ignore[arg-type]
        )
        return list(rows.all()), int(total or 0)


class QuotesUnitOfWork(UnitOfWork):
    quotes: QuoteRepository

    def _start(self) -> None:
        self.quotes = QuoteRepository(self.session)
