"""`make run`'s broker listens where other systems are told to look (issue 11): Kafka's usual
port when it is free, another free one otherwise (the banner prints it)."""

from __future__ import annotations

import socket

from shared.infra.kafka import free_port, preferred_port


def test_the_preferred_port_is_taken_when_free_and_another_one_when_busy() -> None:
    port = free_port()
    assert preferred_port(port) == port
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        other = preferred_port(port)
    assert other != port and other > 0
