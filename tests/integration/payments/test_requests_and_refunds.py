"""Paying an invoice from the invoices tab (R-INV-2) and refunding a credit note (R-INV-3)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.adapters.provider import SandboxProvider
from services.payments.domain.model import PaymentMethodKind
from services.payments.service_layer import handlers, processing
from shared.clock import FixedClock
from shared.events import CreditNoteIssued, InvoicePaymentRequested
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import (
    CSN,
    POLICY,
    add_method,
    advance,
    charges_of,
    deliver,
    invoice,
    paid,
    published,
    send,
)

REQUEST = uuid.UUID("6f1c6c53-3d39-4b43-9a49-0d4f4a5b6c70")


def pay_request(
    method_id: str = "pm-card", amount: int = 11900, **kw: object
) -> InvoicePaymentRequested:
    return InvoicePaymentRequested(
        **{
            "payment_request_id": REQUEST,
            "invoice_id": "inv-1",
            "invoice_number": "INV-inv-1",
            "csn": CSN,
            "currency": "EUR",
            "amount": amount,
            "payment_method_id": method_id,
            "requested_by": "alice@acme.example",
            **kw,
        }
    )


def credit_note(amount: int, refund: bool = True, cn: str = "cn-1") -> CreditNoteIssued:
    return CreditNoteIssued(
        credit_note_id=cn,
        credit_note_number=f"CN-{cn}",
        csn=CSN,
        currency="EUR",
        amount=amount,
        invoice_id="inv-1",
        refund=refund,
        reason="seats billed twice",
    )


async def _manual_invoice(uow: UowFactory) -> None:
    await deliver(
        uow, handlers.on_invoice_issued, invoice(collection="manual", payment_method_id=None)
    )


async def test_payment_request_charges_the_invoice_once_under_its_own_key(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """R-INV-2"""
    await add_method(uow)
    await _manual_invoice(uow)

    await deliver(uow, handlers.on_invoice_payment_requested, pay_request())
    await deliver(uow, handlers.on_invoice_payment_requested, pay_request())  # redelivered
    await send(uow, sandbox)

    [ok] = await published(db, "payment-succeeded")
    assert ok["payment_request_id"] == str(REQUEST)
    assert ok["amount"] == 11900
    [entry] = await sandbox.ledger_entries()
    assert entry["idempotency_key"] == f"invoice:inv-1:request:{REQUEST}"


async def test_payment_request_with_a_manual_only_method_fails_with_what_to_do(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """R-INV-2, R-SUB-9"""
    await add_method(
        uow, "pm-transfer", token="tok_bank_transfer", kind=PaymentMethodKind.BANK_TRANSFER
    )
    await _manual_invoice(uow)

    await deliver(uow, handlers.on_invoice_payment_requested, pay_request("pm-transfer"))
    await send(uow, sandbox)

    [failed] = await published(db, "payment-failed")
    assert failed["reason"] == "payment_method_not_chargeable"
    assert "card or PayPal" in failed["message"]
    assert failed["final"] is True
    assert await sandbox.ledger_entries() == []


async def test_payment_request_on_a_paid_invoice_charges_nothing(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """R-INV-2: a payment for one invoice is charged at most once."""
    await add_method(uow)
    await _manual_invoice(uow)
    await deliver(uow, handlers.on_invoice_paid, paid("inv-1"))

    await deliver(uow, handlers.on_invoice_payment_requested, pay_request())
    await send(uow, sandbox)

    [failed] = await published(db, "payment-failed")
    assert failed["reason"] == "invoice_already_paid"
    assert await sandbox.ledger_entries() == []


async def test_paying_from_the_invoices_tab_after_a_decline_stops_the_automatic_retries(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider, clock: FixedClock
) -> None:
    """R-INV-2, R-PAY-4"""
    await add_method(uow, token="tok_chargeDeclined")
    await add_method(uow, "pm-amex", token="tok_amex")
    await deliver(uow, handlers.on_invoice_issued, invoice())
    await send(uow, sandbox)

    await deliver(uow, handlers.on_invoice_payment_requested, pay_request("pm-amex"))
    await send(uow, sandbox)
    advance(clock, days=8)

    assert await processing.schedule_due_retries(uow()) == 0
    assert sorted(c.idempotency_key for c in await charges_of(uow)) == [
        "invoice:inv-1:attempt:1",
        f"invoice:inv-1:request:{REQUEST}",
    ]
    assert len(await published(db, "payment-succeeded")) == 1


async def _paid_by_card(uow: UowFactory, sandbox: SandboxProvider) -> None:
    await add_method(uow)
    await deliver(uow, handlers.on_invoice_issued, invoice())
    await send(uow, sandbox)


async def _send_refunds(uow: UowFactory, sandbox: SandboxProvider) -> int:
    return await processing.send_refunds(uow(), sandbox, POLICY)


async def test_credit_note_that_refunds_sends_the_money_back_once(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """R-INV-3: a refund against the succeeded charge, keyed by credit note and charge."""
    await _paid_by_card(uow, sandbox)

    await deliver(uow, handlers.on_credit_note_issued, credit_note(5000))
    await deliver(uow, handlers.on_credit_note_issued, credit_note(5000))  # redelivered
    assert await _send_refunds(uow, sandbox) == 1
    assert await _send_refunds(uow, sandbox) == 0

    [refunded] = await published(db, "payment-refunded")
    [charge] = await charges_of(uow)
    assert (refunded["amount"], refunded["charge_id"]) == (5000, charge.id)
    assert refunded["credit_note_id"] == "cn-1"
    [entry] = await sandbox.refund_entries()
    assert entry["idempotency_key"] == f"credit-note:cn-1:charge:{charge.id}"
    assert entry["provider_charge_id"] == charge.provider_charge_id


async def test_refunds_never_exceed_what_was_charged(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """R-INV-3"""
    await _paid_by_card(uow, sandbox)

    await deliver(uow, handlers.on_credit_note_issued, credit_note(10000, cn="cn-1"))
    await deliver(uow, handlers.on_credit_note_issued, credit_note(10000, cn="cn-2"))
    await _send_refunds(uow, sandbox)

    amounts = [r["amount"] for r in await published(db, "payment-refunded")]
    assert amounts == [10000, 1900]  # 11,900 charged in all


async def test_credit_note_kept_as_credit_refunds_nothing(
    uow: UowFactory, db: AsyncEngine, sandbox: SandboxProvider
) -> None:
    """R-INV-3"""
    await _paid_by_card(uow, sandbox)

    await deliver(uow, handlers.on_credit_note_issued, credit_note(5000, refund=False))
    await _send_refunds(uow, sandbox)

    assert await published(db, "payment-refunded") == []
    assert await sandbox.refund_entries() == []
