"""Who is told what, when, in which language (R-NOTE-1..5), and the e-mails' templates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.notifications.adapters.templates import money, render
from services.notifications.domain.rules import (
    Contact,
    acting_contacts,
    language_for,
    method_expiring,
    quote_recipients,
    renewal_stage_due,
    renews_manually,
    retry_delay,
)

RENEWAL = date(2027, 6, 30)


def people() -> list[Contact]:
    return [
        Contact("admin@a.example", "Ada", frozenset({"primary_admin"})),
        Contact("cm@a.example", "Carl", frozenset({"contract_manager"})),
        Contact("buyer@a.example", "Bo", frozenset({"buyer"})),
        Contact("user@a.example", "Uli", frozenset({"user"})),
    ]


@pytest.mark.parametrize(
    ("days_before", "stage"),
    [
        (91, None),
        (90, "window"),  # the manual renewal window opens (R-SUB-9)
        (84, "window"),  # a job that missed days still tells within the catch-up
        (83, None),  # weeks later: not told after the fact
        (30, "reminder_30"),
        (8, None),
        (7, "reminder_7"),
        (1, "reminder_7"),
        (0, None),  # the renewal date itself: too late for a reminder
    ],
)
def test_renewal_notice_when_the_window_opens_then_at_30_and_7_days(
    days_before: int, stage: str | None
) -> None:
    """R-NOTE-1."""
    assert renewal_stage_due(RENEWAL, RENEWAL - timedelta(days=days_before), 7) == stage


def test_only_manual_renewals_of_active_subscriptions_get_notices() -> None:
    """R-NOTE-1, R-SUB-9: auto-renew off or a manual-only method; never a trial."""
    assert renews_manually("active", auto_renew=False, collection="automatic")
    assert renews_manually("active", auto_renew=True, collection="manual")
    assert not renews_manually("active", auto_renew=True, collection="automatic")
    assert not renews_manually("trial", auto_renew=False, collection="manual")


def test_language_is_the_accounts_choice_else_from_its_billing_country() -> None:
    """R-NOTE-5: English or French."""
    assert language_for(None, "FR") == "fr"
    assert language_for(None, "DE") == "en"
    assert language_for("en", "FR") == "en"
    assert language_for("fr", "US") == "fr"


def test_only_contacts_of_the_account_receive_a_quote() -> None:
    """R-NOTE-2, R-NOTE-5: recipients outside the account's contacts get nothing."""
    found = quote_recipients(["ADMIN@a.example", "cfo@elsewhere.example"], people())
    assert [c.email for c in found] == ["admin@a.example"]


def test_renewals_orders_and_payments_go_to_the_people_who_can_act() -> None:
    """R-NOTE-1, R-NOTE-3, R-NOTE-4: admins, contract managers, buyers; not plain users."""
    assert [c.email for c in acting_contacts(people())] == [
        "admin@a.example",
        "buyer@a.example",
        "cm@a.example",
    ]


def test_a_card_is_told_about_within_30_days_of_the_end_of_its_expiry_month() -> None:
    """R-NOTE-4."""
    assert method_expiring(6, 2027, date(2027, 5, 31)) == date(2027, 6, 30)
    assert method_expiring(6, 2027, date(2027, 5, 30)) is None
    assert method_expiring(6, 2027, date(2027, 7, 1)) is None
    assert method_expiring(None, None, date(2027, 6, 1)) is None


def test_smtp_retries_back_off() -> None:
    assert [retry_delay(n, 30).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


def test_french_mail_has_french_amounts_and_dates_in_both_parts() -> None:
    """R-NOTE-5: templates in English and French, HTML and plain text."""
    assert money(123456, "EUR", "fr") == "1\u202f234,56 EUR"
    mail = render(
        "method_expiring",
        "fr",
        {
            "name": "Léa",
            "company": "Lumen & Co",
            "label": "Visa •••• 4242",
            "expires_on": date(2027, 6, 30),
            "methods_url": "https://example/pm",
        },
    )
    assert mail.subject == "Visa •••• 4242 expire le 30/06/2027"
    assert "Bonjour Léa" in mail.text and "Lumen & Co" in mail.text  # text is not escaped
    assert "Lumen &amp; Co" in mail.html  # HTML is
