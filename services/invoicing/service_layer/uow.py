from __future__ import annotations

from services.invoicing.adapters.bulk import InvoicingRows
from services.invoicing.adapters.repository import (
    CreditNoteRepository,
    CustomerRepository,
    DocumentNumbers,
    InvoiceRepository,
    OrderRepository,
    PaymentRequestRepository,
)
from shared.uow import UnitOfWork


class InvoicingUnitOfWork(UnitOfWork):
    invoices: InvoiceRepository
    orders: OrderRepository
    customers: CustomerRepository
    numbers: DocumentNumbers
    payment_requests: PaymentRequestRepository
    credit_notes: CreditNoteRepository
    rows: InvoicingRows  # set-based reads and writes of the batch hot paths

    def _start(self) -> None:
        self.invoices = InvoiceRepository(self.session)
        self.orders = OrderRepository(self.session)
        self.customers = CustomerRepository(self.session)
        self.numbers = DocumentNumbers(self.session)
        self.payment_requests = PaymentRequestRepository(self.session)
        self.credit_notes = CreditNoteRepository(self.session)
        self.rows = InvoicingRows(self.session)
