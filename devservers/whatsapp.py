"""A local WhatsApp Cloud API peer: ``POST /{version}/{phone_number_id}/messages``.

Run ``python -m devservers.whatsapp [--port N] [--access-token TOKEN]``. It
checks the bearer token, stores each accepted request body as it came, and
responds as the Cloud API does. Behaviour: ``slow`` stalls before responding
(and stores nothing if the client has gone by then), ``reject`` responds with
``status`` (default 500) and a Cloud API error body, ``drop`` closes the
connection without responding.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from devservers.httpserver import HttpRequest, HttpResponse, start_http_server
from devservers.peer import PeerState, build_parser, run_peer

DEFAULT_ACCESS_TOKEN = "devserver-token"
DEFAULT_REJECT_STATUS = 500
MESSAGES_PATH = re.compile(r"^/(?P<version>v\d+(\.\d+)?)/(?P<phone_id>[^/]+)/messages$")


def _error(
    status: int, message: str, code: int, error_type: str = "OAuthException"
) -> HttpResponse:
    body = {
        "error": {
            "message": message,
            "type": error_type,
            "code": code,
            "fbtrace_id": uuid.uuid4().hex[:16],
        }
    }
    return HttpResponse.of_json(status, body)


def _invalid_body(payload: Any) -> str | None:
    """Return what is wrong with a text message request body, or None."""
    if not isinstance(payload, dict):
        return "the body must be a JSON object"
    if payload.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if not isinstance(payload.get("to"), str) or not payload["to"]:
        return "to must be a non-empty string"
    if payload.get("type", "text") == "text":
        text = payload.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str):
            return "text.body must be a string"
    return None


class _CloudAPI:
    def __init__(self, state: PeerState, access_token: str) -> None:
        self.state = state
        self.expected_authorization = f"Bearer {access_token}".encode()

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        if request.method != "POST" or not MESSAGES_PATH.match(request.path):
            return _error(
                404, f"Unknown path {request.path}", 100, "GraphMethodException"
            )
        authorization = request.headers.get("authorization", "").encode("latin-1")
        if not secrets.compare_digest(authorization, self.expected_authorization):
            return _error(401, "Invalid OAuth access token.", 190)

        behavior = self.state.behavior
        if behavior.mode == "drop":
            return None
        if behavior.mode == "reject":
            status = behavior.status or DEFAULT_REJECT_STATUS
            return _error(
                status, "Rejected by the test server", 131000, "OAuthException"
            )
        await self.state.stall()
        if request.connection_lost():
            return None

        try:
            payload = request.json()
        except ValueError:
            payload = None
        problem = _invalid_body(payload)
        if problem is not None:
            return _error(400, f"Invalid parameter: {problem}", 100)
        self.state.record([payload["to"]], payload)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
            "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}],
        }
        return HttpResponse.of_json(200, answer)


async def _start(state: PeerState, args: argparse.Namespace) -> asyncio.AbstractServer:
    api = _CloudAPI(state, args.access_token)
    return await start_http_server(api.handle, args.host, args.port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(
        "python -m devservers.whatsapp", "Local WhatsApp Cloud API peer for tests."
    )
    parser.add_argument(
        "--access-token",
        default=DEFAULT_ACCESS_TOKEN,
        help=f"bearer token that requests must carry (default {DEFAULT_ACCESS_TOKEN})",
    )
    return run_peer(_start, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
