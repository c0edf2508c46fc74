"""Reading upcoming payments (R-PAY-2, R-PAY-3) from the projections and the charges."""

from __future__ import annotations

from services.payments.domain.upcoming import UpcomingPayment, upcoming_payments
from services.payments.service_layer.uow import PaymentsUnitOfWork


async def upcoming_for(csn: str, days: int, uow: PaymentsUnitOfWork) -> list[UpcomingPayment]:
    """Everything due in the account from today to `days` ahead, by date."""
    invoices = await uow.invoices.open_of_account(csn)
    charges = await uow.charges.of_invoices(csn, [i.invoice_id for i in invoices])
    return upcoming_payments(
        subscriptions=await uow.subscriptions.of_account(csn),
        open_invoices=invoices,
        charges=charges,
        today=uow.clock.today(),
        days=days,
    )
