"""Periodic: deliver the queued e-mails over SMTP. Each message is taken locked (N replicas
never take the same one), sent, and marked sent in its own transaction; a refusal or an
unreachable server is retried with back-off, then the message is parked with its reason —
never dropped silently (R-NOTE-5)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.notifications.adapters.invoices import InvoicePdfs
from services.notifications.adapters.smtp import Mailer
from services.notifications.domain.rules import retry_delay
from services.notifications.service_layer.uow import NotificationsUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int
    retry_seconds: float
    batch_size: int


async def deliver_due(
    uow_factory: Callable[[], NotificationsUnitOfWork],
    mailer: Mailer,
    pdfs: InvoicePdfs,
    policy: DeliveryPolicy,
) -> int:
    """Deliver up to a batch of due messages; returns how many were sent."""
    sent = 0
    for _ in range(policy.batch_size):
        async with uow_factory() as uow:
            due = await uow.notices.due(uow.clock.now(), limit=1)
            if not due:
                return sent
            mail = due[0]
            try:
                attachment = None
                if mail.attachment_invoice_id:
                    pdf = await pdfs.fetch(mail.csn, mail.attachment_invoice_id)
                    attachment = (mail.attachment_name or "invoice.pdf", pdf)
                await mailer.send(
                    mailer.build(
                        mail_id=mail.id,
                        fact_key=mail.fact_key,
                        recipient=mail.recipient,
                        subject=mail.subject,
                        text=mail.text_body,
                        html=mail.html_body,
                        language=mail.language,
                        attachment=attachment,
                    )
                )
            except Exception as exc:  # refused, unreachable, PDF not there yet: all retried
                await _failed(uow, mail, exc, policy)
            else:
                await uow.notices.mark(
                    mail.id, status="sent", attempts=mail.attempts + 1, sent_at=uow.clock.now()
                )
                sent += 1
            await uow.commit()
    return sent


async def _failed(
    uow: NotificationsUnitOfWork, mail: Any, exc: Exception, policy: DeliveryPolicy
) -> None:
    attempts = mail.attempts + 1
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    if attempts >= policy.max_attempts:
        log.error("parking e-mail %s after %d attempts: %s", mail.id, attempts, reason)
        await uow.notices.mark(mail.id, status="parked", attempts=attempts, last_error=reason)
        return
    log.warning("e-mail %s not delivered (attempt %d): %s", mail.id, attempts, reason)
    await uow.notices.mark(
        mail.id,
        attempts=attempts,
        last_error=reason,
        next_attempt_at=uow.clock.now() + retry_delay(attempts, policy.retry_seconds),
    )
