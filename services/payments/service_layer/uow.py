from __future__ import annotations

from services.payments.adapters.repository import (
    ChargeRepository,
    InvoiceViewRepository,
    PaymentMethodRepository,
    RefundRepository,
    SubscriptionViewRepository,
)
from shared.uow import UnitOfWork


class PaymentsUnitOfWork(UnitOfWork):
    payment_methods: PaymentMethodRepository
    charges: ChargeRepository
    refunds: RefundRepository
    subscriptions: SubscriptionViewRepository
    invoices: InvoiceViewRepository

    def _start(self) -> None:
        self.payment_methods = PaymentMethodRepository(self.session)
        self.charges = ChargeRepository(self.session)
        self.refunds = RefundRepository(self.session)
        self.subscriptions = SubscriptionViewRepository(self.session)
        self.invoices = InvoiceViewRepository(self.session)
