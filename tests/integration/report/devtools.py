"""A headless Chromium driven over the DevTools protocol, standard library only.

The browser listens on 127.0.0.1 at a port it picks (``DevToolsActivePort`` in
its profile folder). The client speaks just enough WebSocket (RFC 6455) for
the protocol: masked text frames out, text and continuation frames in.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1400,1000",
)
START_TIMEOUT_S = 30.0


def chromium_path() -> str | None:
    """Return the Chromium executable on ``PATH``, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevToolsPage:
    """One page target; events received while waiting are kept in ``events``."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result, keeping events that arrive first."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        self._send(json.dumps(message).encode())
        while True:
            reply = json.loads(self._receive())
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for_event(self, method: str, timeout: float) -> dict[str, Any]:
        """Return the first event named ``method``, reading until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} event within {timeout} s")
            self.events.append(json.loads(self._receive()))

    def drain(self, seconds: float) -> None:
        """Read events for ``seconds`` more, for late console messages."""
        self._sock.settimeout(seconds)
        with contextlib.suppress(TimeoutError, socket.timeout):
            while True:
                self.events.append(json.loads(self._receive()))
        self._sock.settimeout(START_TIMEOUT_S)

    def screenshot(self, path: Path) -> None:
        """Write a PNG of the whole page to ``path``."""
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        clip = {
            "x": 0,
            "y": 0,
            "width": size["width"],
            "height": size["height"],
            "scale": 1,
        }
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            clip=clip,
            captureBeyondViewport=True,
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def _send(self, payload: bytes) -> None:
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self._sock.sendall(bytes(header) + mask + masked)

    def _receive(self) -> bytes:
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8))
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("browser closed the DevTools connection")
            if opcode in (0x1, 0x0):
                message += payload
                if first & 0x80:
                    return message

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("browser closed the DevTools connection")
            data += chunk
        return data


@contextlib.contextmanager
def open_page(executable: str, profile: Path) -> Iterator[DevToolsPage]:
    """Start Chromium on ``about:blank`` and connect to its page target."""
    log = (profile.parent / "chromium.log").open("wb")
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log,
        stderr=log,
    )
    try:
        port = _wait_for_port(profile / "DevToolsActivePort", process)
        ws_url = _page_websocket(port)
        with _connect(ws_url) as sock:
            yield DevToolsPage(sock)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for_port(port_file: Path, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int(port_file.read_text().split()[0])
        time.sleep(0.1)
    raise TimeoutError(f"chromium wrote no {port_file.name} in {START_TIMEOUT_S} s")


def _page_websocket(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
        targets = json.loads(r.read())
    page = next(target for target in targets if target["type"] == "page")
    return str(page["webSocketDebuggerUrl"])


@contextlib.contextmanager
def _connect(ws_url: str) -> Iterator[socket.socket]:
    host_port, path = ws_url.removeprefix("ws://").split("/", 1)
    host, port = host_port.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=START_TIMEOUT_S)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1024)
    if b" 101 " not in response.split(b"\r\n", 1)[0]:
        raise ConnectionError(f"WebSocket upgrade failed: {response[:200]!r}")
    try:
        yield sock
    finally:
        sock.close()
