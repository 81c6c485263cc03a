"""A small HTTP/1.1 server on asyncio streams, for the peers and their control API.

It reads requests with a ``Content-Length`` body (no chunked bodies), keeps
connections alive, and lets a handler drop a connection without a response.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

MAX_HEADERS = 100
MAX_BODY_BYTES = 1024 * 1024


class BadRequest(Exception):
    """The bytes on the connection are not a request this server can read."""


@dataclass
class HttpRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    connection_lost: Callable[[], bool] = field(repr=False)
    """Tell whether the client has closed its side of the connection."""

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def of_json(cls, status: int, data: object) -> HttpResponse:
        return cls(status, json.dumps(data, sort_keys=True).encode())


Handler = Callable[[HttpRequest], Awaitable["HttpResponse | None"]]
"""Return the response, or None to close the connection without responding."""


async def start_http_server(handler: Handler, host: str, port: int) -> asyncio.Server:
    """Listen on ``host:port`` (0 for a free port) and serve ``handler``."""
    return await asyncio.start_server(
        functools.partial(_serve_connection, handler), host, port
    )


async def _serve_connection(
    handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            request = await _read_request(reader)
            if request is None:
                break
            response = await handler(request)
            if response is None:
                writer.transport.abort()
                return
            keep_alive = request.headers.get("connection", "").lower() != "close"
            writer.write(_encode(response, keep_alive))
            await writer.drain()
            if not keep_alive:
                break
    except BadRequest as exc:
        writer.write(_encode(HttpResponse.of_json(400, {"error": str(exc)}), False))
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    line = await reader.readline()
    if not line.strip():
        return None
    try:
        method, target, _version = line.decode("latin-1").split()
    except ValueError:
        raise BadRequest(f"invalid request line {line[:80]!r}") from None
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        header_line = (await reader.readline()).decode("latin-1")
        if header_line in ("\r\n", "\n", ""):
            break
        name, _, value = header_line.partition(":")
        headers[name.strip().lower()] = value.strip()
    else:
        raise BadRequest(f"more than {MAX_HEADERS} headers")
    raw_length = headers.get("content-length", "0") or "0"
    length = int(raw_length) if raw_length.isdigit() else -1
    if not 0 <= length <= MAX_BODY_BYTES:
        raise BadRequest(f"invalid Content-Length {raw_length!r}")
    body = await reader.readexactly(length) if length else b""
    url = urlsplit(target)
    return HttpRequest(
        method=method.upper(),
        path=url.path,
        query=dict(parse_qsl(url.query)),
        headers=headers,
        body=body,
        connection_lost=reader.at_eof,
    )


def _encode(response: HttpResponse, keep_alive: bool) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    head = (
        f"HTTP/1.1 {response.status} {reason}\r\n"
        f"Content-Type: {response.content_type}\r\n"
        f"Content-Length: {len(response.body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + response.body
