"""Credit notes and payment requests (R-INV-2, R-INV-3), with hypothesis properties: credit
applied never exceeds the note's balance nor the invoice's amount due, amount due never
goes negative, and paying in full is reported exactly once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.domain.credit_note import (
    NOT_TAXABLE,
    CreditDraft,
    CreditNote,
    TaxBasis,
    check_creditable,
    net_of,
)
from services.invoicing.domain.model import Invoice, InvoiceStatus, LineDraft
from services.invoicing.domain.payment_request import PaymentRequest, answered_request
from shared.errors import DomainError
from tests.unit.invoicing.test_invoice_rules import NOW, VAT, issue

VAT_BASIS = TaxBasis(VAT.rate, VAT.name)


def credit(gross: int | None = None, lines: list[int] | None = None, **kw: object) -> CreditNote:
    return CreditNote.issue(
        csn="5100000001",
        number="CN-5100000001-000001",
        currency="EUR",
        reason="Goodwill",
        basis=kw.pop("basis", VAT_BASIS),  # type: ignore[arg-type]
        gross_amount=gross,
        drafts=[CreditDraft("line", a) for a in lines] if lines is not None else None,
        bill_to="Acme",
        issued_by="agent@vendor.example",
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


def pay_request(
    invoice: Invoice, pending: list[PaymentRequest], amount: int | None
) -> PaymentRequest:
    return PaymentRequest.for_invoice(
        invoice,
        pending,
        amount=amount,
        payment_method_id="pm-1",
        requested_by="bea@acme.example",
        now=NOW,
    )


def test_a_credit_note_of_lines_taxes_each_line_half_up_r_inv_3() -> None:
    note = credit(lines=[1_050, 2_000])
    assert [line.tax_amount for line in note.lines] == [200, 380]  # 199.5 → 200
    assert (note.subtotal, note.tax, note.total, note.balance) == (3_050, 580, 3_630, 3_630)


def test_a_credit_note_of_one_amount_keeps_that_amount_exactly_r_inv_3() -> None:
    note = credit(gross=11_900)
    assert (note.subtotal, note.tax, note.total) == (10_000, 1_900, 11_900)
    assert credit(gross=1, basis=NOT_TAXABLE).total == 1


def test_credit_pays_an_invoice_and_the_last_part_reports_paid_once_r_inv_3() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])  # 119.00 with VAT
    invoice.apply_payment("ch-1", 5_000, NOW)
    note = credit(gross=20_000)
    assert note.apply_to(invoice, 6_900, payable=invoice.amount_due, now=NOW, applied_by="b")
    assert invoice.status == InvoiceStatus.PAID and note.balance == 13_100
    with pytest.raises(DomainError) as refused:
        note.apply_to(invoice, 1, payable=invoice.amount_due, now=NOW, applied_by="b")
    assert refused.value.code == "invoice_not_open"


def test_credit_beyond_the_balance_or_the_amount_due_is_refused_r_inv_3() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    note = credit(gross=500)
    with pytest.raises(DomainError) as over_balance:
        note.apply_to(invoice, 501, payable=invoice.amount_due, now=NOW, applied_by="b")
    assert over_balance.value.code == "credit_balance_insufficient"
    big = credit(gross=50_000)
    with pytest.raises(DomainError) as over_due:
        big.apply_to(invoice, 11_901, payable=invoice.amount_due, now=NOW, applied_by="b")
    assert over_due.value.code == "amount_exceeds_amount_due"
    assert (invoice.amount_credited, big.amount_applied) == (0, 0)


def test_a_refund_note_is_not_credit_on_the_account_r_inv_3() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    note = credit(gross=1_000, refund=True)
    assert note.balance == 0 and note.status == "refund_pending"
    with pytest.raises(DomainError) as refused:
        note.apply_to(invoice, 1, payable=invoice.amount_due, now=NOW, applied_by="b")
    assert refused.value.code == "credit_note_not_applicable"
    assert note.record_refund(1_000) == 1_000 and note.record_refund(1_000) == 0
    assert note.status == "refunded"


def test_corrections_never_credit_or_refund_more_than_invoiced_or_paid_r_inv_3() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    check_creditable(invoice, 11_900, credited=0, refunded=0, refund=False)
    with pytest.raises(DomainError):
        check_creditable(invoice, 11_901, credited=0, refunded=0, refund=False)
    with pytest.raises(DomainError) as unpaid:
        check_creditable(invoice, 100, credited=0, refunded=0, refund=True)
    assert unpaid.value.code == "refund_needs_paid_invoice"
    invoice.apply_payment("ch-1", 5_000, NOW)
    with pytest.raises(DomainError):
        check_creditable(invoice, 4_001, credited=1_000, refunded=1_000, refund=True)


def test_a_payment_request_takes_at_most_what_is_not_already_being_paid_r_inv_2() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    first = pay_request(invoice, [], 4_000)
    second = pay_request(invoice, [first], None)
    assert second.amount == 11_900 - 4_000
    with pytest.raises(DomainError) as busy:
        pay_request(invoice, [first, second], None)
    assert busy.value.code == "payment_in_progress"
    with pytest.raises(DomainError) as too_much:
        pay_request(invoice, [first], 7_901)
    assert too_much.value.code == "amount_exceeds_amount_due"


def test_a_paid_or_cancelled_invoice_cannot_be_paid_r_inv_2() -> None:
    paid = issue([LineDraft("CAD Pro", 1, 10_000)])
    paid.apply_payment("ch-1", paid.total, NOW)
    cancelled = issue([LineDraft("CAD Pro", 1, 10_000)])
    cancelled.cancel("Ordered twice", NOW)
    for invoice in (paid, cancelled):
        with pytest.raises(DomainError) as refused:
            pay_request(invoice, [], None)
        assert refused.value.code == "invoice_not_open"


def test_only_an_untouched_open_invoice_can_be_cancelled_r_inv_1() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    invoice.apply_payment("ch-1", 100, NOW)
    with pytest.raises(DomainError) as refused:
        invoice.cancel("wrong", NOW)
    assert refused.value.code == "invoice_partially_paid"
    assert invoice.status == InvoiceStatus.OPEN


def test_money_arriving_for_a_cancelled_invoice_is_excess_r_inv_2() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    total = invoice.total
    invoice.cancel("Ordered twice", NOW)
    outcome = invoice.apply_payment("ch-late", total, NOW)
    assert (outcome.applied, outcome.excess, invoice.amount_due) == (0, total, 0)


def test_an_answer_settles_the_request_it_echoes_or_the_oldest_matching_one_r_inv_2() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    a = pay_request(invoice, [], 1_000)
    b = pay_request(invoice, [a], 1_000)
    b.requested_at = NOW - timedelta(minutes=1)
    assert answered_request([a, b], request_id=None, amount=1_000, payment_method_id="pm-1") is b
    assert answered_request([a, b], request_id=a.id, amount=1_000, payment_method_id="x") is a
    assert answered_request([a, b], request_id=None, amount=999, payment_method_id="pm-1") is None


line_drafts = st.lists(
    st.builds(
        LineDraft,
        description=st.just("line"),
        quantity=st.integers(1, 50),
        unit_amount=st.integers(0, 1_000_000),
    ),
    min_size=1,
    max_size=5,
)
moves = st.lists(
    st.tuples(st.sampled_from(["pay", "credit"]), st.integers(0, 3_000_000)), max_size=12
)


@given(line_drafts, st.integers(1, 5_000_000), moves)
def test_credit_and_payments_never_overpay_nor_go_negative(
    drafts: list[LineDraft], credit_total: int, steps: list[tuple[str, int]]
) -> None:
    """R-INV-2, R-INV-3: whatever order payments and credit arrive in."""
    invoice = issue(drafts)
    note = credit(gross=credit_total)
    paid_reports = 1 if invoice.status == InvoiceStatus.PAID else 0
    for n, (kind, amount) in enumerate(steps):
        if kind == "pay":
            outcome = invoice.apply_payment(f"ch-{n}", amount, NOW)
            paid_reports += outcome.paid_in_full
            assert outcome.applied + outcome.excess == (amount if amount > 0 else 0)
        else:
            try:
                paid_reports += note.apply_to(
                    invoice, amount, payable=invoice.amount_due, now=NOW, applied_by="b"
                )
            except DomainError:
                pass  # refused: nothing moved
        assert 0 <= note.balance <= note.total
        assert note.amount_applied == sum(a.amount for a in note.applications)
        assert invoice.amount_due >= 0
        assert invoice.amount_paid + invoice.amount_credited <= invoice.total
        assert invoice.amount_due == invoice.total - invoice.amount_paid - invoice.amount_credited
    assert paid_reports == (1 if invoice.status == InvoiceStatus.PAID else 0)


@given(st.integers(1, 10**9), st.decimals(min_value=0, max_value=Decimal("0.3"), places=5))
def test_an_amount_including_tax_splits_into_net_plus_tax_exactly(
    gross: int, rate: Decimal
) -> None:
    note = credit(gross=gross, basis=TaxBasis(rate, "t"))
    assert note.total == gross == note.subtotal + note.tax
    assert note.subtotal == net_of(gross, rate)
    assert note.tax >= 0


def test_issued_invoice_lines_and_totals_never_change_r_inv_1() -> None:
    """Paying, crediting and refunding move only what is paid and owed, never the document."""
    invoice = issue([LineDraft("CAD Pro", 2, 10_000), LineDraft("Render", 1, 4_900)])
    before = (invoice.subtotal, invoice.tax, invoice.total, invoice.number, invoice.bill_to)
    lines = [(x.amount, x.tax_amount, x.description) for x in invoice.lines]
    invoice.apply_payment("ch-1", 1_000, NOW)
    credit(gross=1_000).apply_to(
        invoice, 1_000, payable=invoice.amount_due, now=NOW, applied_by="b"
    )
    invoice.record_refund(500)
    assert (invoice.subtotal, invoice.tax, invoice.total, invoice.number, invoice.bill_to) == before
    assert [(x.amount, x.tax_amount, x.description) for x in invoice.lines] == lines
