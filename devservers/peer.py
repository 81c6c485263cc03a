"""What both peers share: stored messages, behaviour, control API and process setup.

A peer process prints one JSON line on stdout when it is ready,
``{"host", "port", "control_port", "pid"}``, and serves a control API on a
second loopback port:

- ``GET /counts``: messages received per recipient;
- ``GET /messages?limit=N``: the last N messages in arrival order (default 100);
- ``POST /clear``: forget messages and counts;
- ``GET /behavior``, ``POST /behavior`` with ``{"mode", "delay", "status"}``.

Modes: ``ok`` responds normally; ``slow`` stalls ``delay`` seconds before
responding; ``reject`` responds with an error (``status``, or the peer's
default); ``drop`` closes the connection without responding.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ipaddress
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from devservers.httpserver import HttpRequest, HttpResponse, start_http_server

logger = logging.getLogger(__name__)

MODES = ("ok", "slow", "reject", "drop")
MAX_STORED_MESSAGES = 100_000
"""Messages kept for ``GET /messages``; counts keep growing past it."""


@dataclass(frozen=True)
class Behavior:
    mode: str = "ok"
    delay: float = 0.0
    """Seconds that ``slow`` stalls before responding."""
    status: int | None = None
    """The error status that ``reject`` responds with; None for the peer's default."""

    @classmethod
    def from_json(cls, data: Any) -> Behavior:
        """Build a behaviour from a control request body; raise ValueError if bad."""
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        mode = data.get("mode", "ok")
        if mode not in MODES:
            raise ValueError(f"invalid mode {mode!r}: use one of {', '.join(MODES)}")
        delay = float(data.get("delay") or 0.0)
        if delay < 0:
            raise ValueError(f"invalid delay {delay!r}: use seconds >= 0")
        status = data.get("status")
        if status is not None and not (isinstance(status, int) and 100 <= status < 600):
            raise ValueError(f"invalid status {status!r}: use an integer 100-599")
        return cls(mode=mode, delay=delay, status=status)


class PeerState:
    """Messages a peer received, counts per recipient, and its current behaviour."""

    def __init__(self) -> None:
        self.behavior = Behavior()
        self.messages: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=MAX_STORED_MESSAGES
        )
        self.counts: collections.Counter[str] = collections.Counter()

    def record(self, recipients: Sequence[str], message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.counts.update(recipients)

    async def stall(self) -> None:
        """Sleep for the configured delay when the mode is ``slow``."""
        if self.behavior.mode == "slow" and self.behavior.delay > 0:
            await asyncio.sleep(self.behavior.delay)

    async def handle_control(self, request: HttpRequest) -> HttpResponse:
        route = (request.method, request.path)
        if route == ("GET", "/counts"):
            return HttpResponse.of_json(200, dict(self.counts))
        if route == ("GET", "/messages"):
            limit = request.query.get("limit", "100")
            if not limit.isdigit():
                return _control_error(f"invalid limit {limit!r}: use an integer >= 0")
            recent = list(self.messages)[-int(limit) :] if int(limit) else []
            return HttpResponse.of_json(200, recent)
        if route == ("POST", "/clear"):
            cleared = len(self.messages)
            self.messages.clear()
            self.counts.clear()
            return HttpResponse.of_json(200, {"cleared": cleared})
        if route == ("GET", "/behavior"):
            return HttpResponse.of_json(200, asdict(self.behavior))
        if route == ("POST", "/behavior"):
            try:
                self.behavior = Behavior.from_json(request.json())
            except ValueError as exc:
                return _control_error(str(exc))
            return HttpResponse.of_json(200, asdict(self.behavior))
        return HttpResponse.of_json(404, {"error": f"no route {request.path!r}"})


def _control_error(message: str) -> HttpResponse:
    return HttpResponse.of_json(400, {"error": message})


StartPeer = Callable[[PeerState, argparse.Namespace], Awaitable[asyncio.AbstractServer]]
"""Start the peer's own server on ``args.host:args.port`` and return it."""


def build_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port of the peer (default 0: a free one)"
    )
    parser.add_argument(
        "--control-port",
        type=int,
        default=0,
        help="port of the control API (default 0: a free one)",
    )
    return parser


def run_peer(start_peer: StartPeer, args: argparse.Namespace) -> int:
    """Run a peer until SIGTERM or SIGINT; return the process exit code."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            raise ValueError
    except ValueError:
        sys.stderr.write(f"error: --host {args.host!r} is not a loopback address\n")
        return 2
    try:
        asyncio.run(_serve(start_peer, args))
    except OSError as exc:
        sys.stderr.write(f"error: cannot listen on {args.host}: {exc}\n")
        return 1
    return 0


async def _serve(start_peer: StartPeer, args: argparse.Namespace) -> None:
    state = PeerState()
    peer = await start_peer(state, args)
    control = await start_http_server(
        state.handle_control, args.host, args.control_port
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    ready = {
        "host": args.host,
        "port": _bound_port(peer),
        "control_port": _bound_port(control),
        "pid": os.getpid(),
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()

    await stop.wait()
    # Connections still open (a stalled client, say) are cancelled by
    # asyncio.run on return; waiting for them here could block shutdown.
    peer.close()
    control.close()


def _bound_port(server: asyncio.AbstractServer) -> int:
    sockets: Sequence[Any] = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1])
