from __future__ import annotations

from services.quotes.adapters.repository import (
    PriceBookRepository,
    ProjectionRepository,
    QuoteRepository,
)
from shared.uow import UnitOfWork


class QuotesUnitOfWork(UnitOfWork):
    quotes: QuoteRepository
    projections: ProjectionRepository
    price_book: PriceBookRepository

    def _start(self) -> None:
        self.quotes = QuoteRepository(self.session)
        self.projections = ProjectionRepository(self.session)
        self.price_book = PriceBookRepository(self.session)
