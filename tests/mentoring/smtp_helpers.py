"""A real local SMTP server (aiosmtpd) that keeps what it receives, for the mail delivery tests."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """An aiosmtpd handler keeping every message; recipients in `refuse` are answered 550."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: object, session: object, envelope: object, address: str, options: list) -> str:
        """Accept a recipient unless told to refuse it."""
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        """Keep the message as it came (parsed only when a test reads it)."""
        with self.lock:
            self.received.append(envelope.content)  # type: ignore[attr-defined]
        return "250 Message accepted"

    def count(self) -> int:
        """How many messages arrived."""
        with self.lock:
            return len(self.received)

    @property
    def messages(self) -> list[EmailMessage]:
        """The messages received, parsed."""
        with self.lock:
            raw = list(self.received)
        return [message_from_bytes(content, policy=policy.default) for content in raw]  # type: ignore[misc]

    def headers(self, name: str) -> Counter[str]:
        """How many times each value of header `name` arrived (headers only are parsed: fast)."""
        with self.lock:
            raw = list(self.received)
        return Counter(str(BytesHeaderParser().parsebytes(content)[name]) for content in raw)

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return self.headers("Message-ID")


class EphemeralController(Controller):
    """aiosmtpd's Controller on a socket bound to port 0 of 127.0.0.1: the kernel picks a free port."""

    def _create_server(self) -> object:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        return self.loop.create_server(self._factory_invoker, sock=listener, ssl=self.ssl_context)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A local SMTP server on an ephemeral port of 127.0.0.1, and what it received."""
    handler = Mailbox()
    controller = EphemeralController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()
