from __future__ import annotations

from services.payments.adapters.repository import ChargeRepository, PaymentMethodRepository
from shared.db import UnitOfWork


class PaymentsUnitOfWork(UnitOfWork):
    payment_methods: PaymentMethodRepository
    charges: ChargeRepository

    def _start(self) -> None:
        self.payment_methods = PaymentMethodRepository(self.session)
        self.charges = ChargeRepository(self.session)
