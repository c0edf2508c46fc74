"""A real, local SMTP server (aiosmtpd) that keeps every message it accepts as an .eml file:
`make run` and the end-to-end tests point the notifications service's SMTP_URL at it.

A recipient whose address starts with `refused` is refused with 550, as a real server refuses
an unknown mailbox: the tests prove such a message is retried, then parked with its reason."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from shared.infra.kafka import free_port

REFUSED_PREFIX = "refused"


class MailDirHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower().startswith(REFUSED_PREFIX):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            number = next(self._numbers)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{number:05d}.eml"
        data = envelope.original_content or envelope.content
        (self.directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(directory: Path, port: int | None = None) -> Iterator[str]:
    """Run the sink on 127.0.0.1 until the block ends; yields its smtp:// URL."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    controller = Controller(MailDirHandler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def read_mailbox(directory: Path) -> list[EmailMessage]:
    """Every message the sink kept, oldest first."""
    parser = BytesParser(policy=policy.default)
    messages = []
    for path in sorted(directory.glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages
