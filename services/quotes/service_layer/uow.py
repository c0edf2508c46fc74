from __future__ import annotations

from services.quotes.adapters.repository import QuoteRepository
from shared.db import UnitOfWork


class QuotesUnitOfWork(UnitOfWork):
    quotes: QuoteRepository

    def _start(self) -> None:
        self.quotes = QuoteRepository(self.session)
