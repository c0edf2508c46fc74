"""Which automatic renewals of a batch are invoiced (issue 13, R-SUB-5): one invoice per term,
decided in arrival order as one request at a time would."""

from __future__ import annotations

from datetime import UTC, datetime

from services.invoicing.domain.model import Customer, Invoice, LineDraft
from services.invoicing.domain.renewal_billing import (
    RenewalAsked,
    RenewalBilling,
    plan_renewal_billing,
)
from shared.tax import rule_for

ACME = Customer("C1", "Acme", "1 Main St", "Berlin", "10117", "DE")


def invoice() -> Invoice:
    return Invoice.issue(
        customer=ACME,
        rule=rule_for("DE", None),
        number="C1-000001",
        currency="EUR",
        drafts=[LineDraft("renewal", 1, 100)],
        now=datetime(2026, 3, 1, tzinfo=UTC),
        collection="automatic",
        source_key="cart:1",
        payment_method_id=None,
    )


def test_a_term_asked_twice_in_a_batch_is_issued_once_then_announced_again() -> None:
    asked = [RenewalAsked("C1", "r1"), RenewalAsked("C1", "r2"), RenewalAsked("C1", "r1")]
    assert plan_renewal_billing(asked, {}, set()) == [
        RenewalBilling(issue=True),
        RenewalBilling(issue=True),
        RenewalBilling(issued_by_request=0),
    ]


def test_a_term_already_bought_is_announced_never_billed_again() -> None:
    bought = invoice()
    plan = plan_renewal_billing([RenewalAsked("C1", "r1")], {("C1", "r1"): [bought]}, set())
    assert plan == [RenewalBilling(already_billed=(bought,))]


def test_a_term_whose_automatic_invoice_was_replaced_gets_nothing() -> None:
    """Its source has an invoice (cancelled, replaced by a cart's that was cancelled too)."""
    asked = [RenewalAsked("C1", "r1"), RenewalAsked("C2", "r1")]
    assert plan_renewal_billing(asked[:1], {}, {"renewal:r1"}) == [RenewalBilling()]
    assert plan_renewal_billing(asked, {}, set()) == [RenewalBilling(issue=True), RenewalBilling()]
