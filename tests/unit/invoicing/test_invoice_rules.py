"""Invoice arithmetic and payment application (R-INV-1, R-INV-2, R-INV-5), with properties
checked by hypothesis: totals equal lines plus tax, payments never exceed the amount due."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.domain.model import (
    Customer,
    Invoice,
    InvoiceStatus,
    LineDraft,
    invoice_number,
)
from shared.errors import DomainError
from shared.money import Money
from shared.tax import NO_TAX, TaxRule, line_tax, rule_for

CUSTOMER = Customer(
    csn="5100000001",
    company_name="Acme Robotics GmbH",
    address_line1="Friedrichstrasse 68",
    city="Berlin",
    postal_code="10117",
    country="DE",
    net_terms_days=30,
)
VAT = rule_for("DE", None)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def issue(drafts: list[LineDraft], rule: TaxRule = VAT) -> Invoice:
    return Invoice.issue(
        customer=CUSTOMER,
        rule=rule,
        number=invoice_number("5100000001", 7),
        currency="EUR",
        drafts=drafts,
        now=NOW,
        collection="automatic",
        source_key="renewal:x",
        payment_method_id="pm-1",
    )


def test_invoice_carries_net_terms_due_date_and_printed_address_r_inv_1() -> None:
    invoice = issue([LineDraft("CAD Pro", 2, 10_000)])
    assert invoice.due_date == date(2026, 3, 31)
    assert invoice.number == "5100000001-000007"
    assert "Friedrichstrasse 68" in invoice.bill_to and "10117 Berlin" in invoice.bill_to


def test_overdue_is_derived_from_the_due_date_r_inv_1() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    assert invoice.display_status(date(2026, 3, 31)) == "open"
    assert invoice.display_status(date(2026, 4, 1)) == "overdue"


def test_tax_is_rounded_half_up_per_line_r_inv_5() -> None:
    assert line_tax(Money(1_050, "USD"), Decimal("0.08875")).amount == 93  # 93.1875 → 93
    assert line_tax(Money(200, "EUR"), Decimal("0.0725")).amount == 15  # 14.5 → 15


def test_every_line_keeps_the_rate_it_was_taxed_at_r_inv_5() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000), LineDraft("Render", 3, 4_900)])
    assert {line.tax_rate for line in invoice.lines} == {"0.19"}
    assert invoice.tax_name == "Umsatzsteuer 19%"
    assert [line.position for line in invoice.lines] == [1, 2]


def test_an_address_without_a_tax_rule_gets_no_invoice_r_inv_5() -> None:
    with pytest.raises(DomainError) as refused:
        issue([LineDraft("CAD Pro", 1, 10_000)], NO_TAX)
    assert refused.value.code == "tax_address_unsupported"


def test_an_agreed_lower_amount_shows_as_a_discount_r_quo_7() -> None:
    invoice = issue([LineDraft("CAD Pro", 2, 10_000, amount=18_000)])
    line = invoice.lines[0]
    assert (line.discount, line.amount, line.tax_amount) == (2_000, 18_000, 3_420)
    with pytest.raises(DomainError):
        issue([LineDraft("CAD Pro", 2, 10_000, amount=20_001)])


def test_a_charge_is_applied_once_and_paying_in_full_reports_paid_once_r_inv_2() -> None:
    invoice = issue([LineDraft("CAD Pro", 1, 10_000)])
    assert invoice.apply_payment("ch-1", invoice.total, NOW).paid_in_full is True
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.apply_payment("ch-1", invoice.total, NOW).applied == 0
    again = invoice.apply_payment("ch-2", invoice.total, NOW)
    assert (again.applied, again.excess, again.paid_in_full) == (0, invoice.total, False)
    assert invoice.amount_paid == invoice.total


amounts = st.integers(min_value=0, max_value=10_000_000)
drafts = st.lists(
    st.builds(
        LineDraft, description=st.just("line"), quantity=st.integers(1, 500), unit_amount=amounts
    ),
    min_size=1,
    max_size=8,
)
rules = st.decimals(min_value=0, max_value=Decimal("0.3"), places=5).map(
    lambda r: TaxRule(country="XX", region=None, rate=r, name="t")
)


@given(drafts, rules)
def test_total_is_the_sum_of_lines_plus_their_tax(lines: list[LineDraft], rule: TaxRule) -> None:
    invoice = issue(lines, rule)
    assert invoice.subtotal == sum(line.quantity * line.unit_amount for line in lines)
    assert invoice.tax == sum(line.tax_amount for line in invoice.lines)
    assert invoice.total == invoice.subtotal + invoice.tax
    assert all(isinstance(line.tax_amount, int) for line in invoice.lines)


@given(drafts, st.lists(amounts, min_size=1, max_size=6))
def test_payments_never_exceed_the_amount_due(lines: list[LineDraft], payments: list[int]) -> None:
    invoice = issue(lines)
    for n, amount in enumerate(payments):
        outcome = invoice.apply_payment(f"ch-{n}", amount, NOW)
        assert outcome.applied + outcome.excess == amount
        assert 0 <= invoice.amount_paid <= invoice.total
        assert invoice.amount_due == invoice.total - invoice.amount_paid
    assert (invoice.status == InvoiceStatus.PAID) == (invoice.amount_due == 0)


def test_an_invoice_with_nothing_to_pay_is_paid_on_issue_r_inv_2() -> None:
    invoice = issue([LineDraft("Promotion: CAD Pro", 1, 10_000, amount=0)])
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at == NOW
