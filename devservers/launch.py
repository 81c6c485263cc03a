"""Start the local peers in their own processes and talk to their control API.

::

    with start_smtp_server() as smtp, start_whatsapp_server() as whatsapp:
        smtp.set_behavior("slow", delay=2.0)
        smtp.counts()

Control calls use only ``http.client``, so the calling process imports nothing
heavy for them.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from devservers.whatsapp import DEFAULT_ACCESS_TOKEN

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_READY_TIMEOUT = 20.0
DEFAULT_STOP_GRACE = 5.0
CONTROL_TIMEOUT = 10.0
WHATSAPP_API_VERSION = "v19.0"
_STDERR_TAIL_BYTES = 2000


class PeerServerError(RuntimeError):
    """A local peer failed to start, or its control API failed to respond."""


class PeerServer:
    """One running peer process; a context manager that stops it on exit."""

    def __init__(self, kind: str, argv: list[str], *, url_path: str = "") -> None:
        self.kind = kind
        self._argv = argv
        self._url_path = url_path
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self.host = ""
        self.port = 0
        self.control_port = 0
        self.pid = 0
        self.access_token = ""
        """The bearer token a WhatsApp peer accepts; empty for SMTP."""

    @property
    def url(self) -> str:
        """``http://host:port/<version>`` (WhatsApp) or ``smtp://host:port`` (SMTP)."""
        scheme = "smtp" if self.kind == "smtp" else "http"
        return f"{scheme}://{self.host}:{self.port}{self._url_path}"

    def start(self, ready_timeout: float = DEFAULT_READY_TIMEOUT) -> PeerServer:
        """Start the process and wait for its ready line; raise PeerServerError."""
        # Closed in stop(); a file rather than a pipe, so a chatty peer never blocks.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")])
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", f"devservers.{self.kind}", *self._argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        try:
            ready = json.loads(self._read_ready_line(ready_timeout))
            self.host = str(ready["host"])
            self.port = int(ready["port"])
            self.control_port = int(ready["control_port"])
            self.pid = int(ready["pid"])
        except (PeerServerError, ValueError, KeyError, TypeError) as exc:
            tail = self._stderr_tail()
            self.stop()
            raise PeerServerError(
                f"the {self.kind} peer did not start: {exc}; stderr: {tail}"
            ) from exc
        return self

    def _read_ready_line(self, timeout: float) -> str:
        assert self._process is not None
        stdout = self._process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        data = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in data:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PeerServerError(f"no ready line within {timeout} s")
                if not selector.select(remaining):
                    continue
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    try:
                        code = self._process.wait(DEFAULT_STOP_GRACE)
                    except subprocess.TimeoutExpired:
                        code = None
                    raise PeerServerError(f"the process exited with code {code}")
                data += chunk
        return data.split(b"\n", 1)[0].decode()

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - _STDERR_TAIL_BYTES))
        return self._stderr.read().decode(errors="replace").strip() or "(empty)"

    def stop(self, grace: float = DEFAULT_STOP_GRACE) -> None:
        """Send SIGTERM, and SIGKILL if the process is still running after ``grace``."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(grace)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def set_behavior(
        self, mode: str, delay: float = 0.0, status: int | None = None
    ) -> dict[str, Any]:
        """Set ``ok``, ``slow``, ``reject`` or ``drop``; return the new behaviour."""
        body = {"mode": mode, "delay": delay, "status": status}
        result: dict[str, Any] = self._control("POST", "/behavior", body)
        return result

    def counts(self) -> dict[str, int]:
        """Return the number of messages received per recipient."""
        result: dict[str, int] = self._control("GET", "/counts")
        return result

    def messages(self, limit: int = 100) -> list[dict[str, Any]]:
        """Return the last ``limit`` messages received, oldest first."""
        result: list[dict[str, Any]] = self._control("GET", f"/messages?limit={limit}")
        return result

    def clear(self) -> None:
        """Forget the messages and counts received so far."""
        self._control("POST", "/clear")

    def _control(self, method: str, path: str, body: object = None) -> Any:
        if not self.control_port:
            raise PeerServerError(f"the {self.kind} peer is not running")
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload else {}
        connection = http.client.HTTPConnection(
            self.host, self.control_port, timeout=CONTROL_TIMEOUT
        )
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as exc:
            raise PeerServerError(
                f"control call {method} {path} to the {self.kind} peer failed: {exc}"
            ) from exc
        finally:
            connection.close()
        if response.status != 200:
            raise PeerServerError(
                f"control call {method} {path} to the {self.kind} peer responded with "
                f"HTTP {response.status}: {data.decode(errors='replace')}"
            )
        return json.loads(data)

    def __enter__(self) -> PeerServer:
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<PeerServer {self.kind} {self.url} pid={self.pid}>"


def _port_args(port: int, control_port: int) -> list[str]:
    return ["--port", str(port), "--control-port", str(control_port)]


def start_smtp_server(
    *,
    port: int = 0,
    control_port: int = 0,
    ready_timeout: float = DEFAULT_READY_TIMEOUT,
) -> PeerServer:
    """Start ``python -m devservers.smtp`` on 127.0.0.1 and wait until it is ready."""
    server = PeerServer("smtp", _port_args(port, control_port))
    return server.start(ready_timeout)


def start_whatsapp_server(
    *,
    port: int = 0,
    control_port: int = 0,
    access_token: str = DEFAULT_ACCESS_TOKEN,
    ready_timeout: float = DEFAULT_READY_TIMEOUT,
) -> PeerServer:
    """Start ``python -m devservers.whatsapp`` on 127.0.0.1 and wait until it is ready.

    The returned server's ``url`` ends with the API version segment, and its
    ``access_token`` is the bearer token that it accepts.
    """
    argv = [*_port_args(port, control_port), "--access-token", access_token]
    server = PeerServer("whatsapp", argv, url_path=f"/{WHATSAPP_API_VERSION}")
    server.access_token = access_token
    return server.start(ready_timeout)
