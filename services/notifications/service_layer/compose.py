"""Turn one fact into one e-mail per person who should hear of it, in the account's language,
queued in the sent-message log under the fact's key (R-NOTE-5)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from services.notifications.adapters.repository import Account, QueuedMail
from services.notifications.adapters.templates import render
from services.notifications.domain.rules import Contact, language_for
from services.notifications.service_layer.uow import NotificationsUnitOfWork

log = logging.getLogger(__name__)


async def queue_mails(
    uow: NotificationsUnitOfWork,
    *,
    kind: str,
    fact: str,
    account: Account,
    recipients: list[Contact],
    context: dict[str, Any],
    attachment: tuple[str, Callable[[str], str]] | None = None,
) -> int:
    """`attachment`: (invoice id, file name for a language). Returns how many were new."""
    if not recipients:
        # Nobody of this account to tell (R-NOTE-5), or its contacts are not known yet.
        log.debug("%s for %s: no contact of the account to tell", fact, account.csn)
        return 0
    language = language_for(account.language, account.country)
    queued = 0
    for person in recipients:
        mail = render(
            kind, language, {**context, "name": person.name, "company": account.company_name}
        )
        row = QueuedMail(
            fact_key=f"{fact}|{person.email.lower()}",
            kind=kind,
            csn=account.csn,
            recipient=person.email,
            language=language,
            subject=mail.subject,
            text_body=mail.text,
            html_body=mail.html,
            attachment_invoice_id=attachment[0] if attachment else None,
            attachment_name=attachment[1](language) if attachment else None,
        )
        queued += await uow.notices.queue(row, str(uuid.uuid4()), uow.clock.now())
    return queued
