"""A local SMTP peer on aiosmtpd that stores what it receives.

Run ``python -m devservers.smtp [--port N] [--control-port N]``. Each stored
message is ``{"to", "from", "subject", "text", "html"}``, where ``to`` contains the
envelope recipients joined by ", ". Behaviour: ``slow`` stalls before responding to
EHLO or HELO, ``reject`` responds to DATA with 550 (or ``status``), and ``drop``
closes each connection before the greeting.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import sys
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from devservers.peer import PeerState, build_parser, run_peer

SERVER_HOSTNAME = "devserver.localhost"
DEFAULT_REJECT_STATUS = 550


class _Handler:
    """aiosmtpd hooks that apply the behaviour and store accepted messages."""

    def __init__(self, state: PeerState) -> None:
        self.state = state

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        await self.state.stall()
        session.host_name = hostname
        return responses

    async def handle_HELO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str
    ) -> str:
        await self.state.stall()
        session.host_name = hostname
        return f"250 {SERVER_HOSTNAME}"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        behavior = self.state.behavior
        if behavior.mode == "reject":
            status = behavior.status or DEFAULT_REJECT_STATUS
            return f"{status} 5.7.1 Message rejected by the test server"
        recipients = list(envelope.rcpt_tos)
        self.state.record(recipients, _parse(envelope, recipients))
        return "250 OK"


class _PeerSMTP(SMTP):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.event_handler.state.behavior.mode == "drop":
            transport.abort()  # type: ignore[attr-defined]


def _parse(envelope: Envelope, recipients: Sequence[str]) -> dict[str, Any]:
    raw = envelope.original_content or envelope.content or b""
    if isinstance(raw, str):
        raw = raw.encode()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "to": ", ".join(recipients),
        "from": envelope.mail_from,
        "subject": str(message.get("Subject", "")),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
    }


async def _start(state: PeerState, args: argparse.Namespace) -> asyncio.AbstractServer:
    loop = asyncio.get_running_loop()
    handler = _Handler(state)
    return await loop.create_server(
        lambda: _PeerSMTP(handler, hostname=SERVER_HOSTNAME, loop=loop),
        args.host,
        args.port,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("python -m devservers.smtp", "Local SMTP peer for tests.")
    return run_peer(_start, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
