from __future__ import annotations

from services.invoicing.adapters.repository import CustomerRepository, InvoiceRepository
from shared.db import UnitOfWork


class InvoicingUnitOfWork(UnitOfWork):
    invoices: InvoiceRepository
    customers: CustomerRepository

    def _start(self) -> None:
        self.invoices = InvoiceRepository(self.session)
        self.customers = CustomerRepository(self.session)
