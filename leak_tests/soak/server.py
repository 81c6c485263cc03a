"""Start the service for a soak in its own process, and stop it with SIGTERM."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from leak_tests.errors import LeakTestsError

logger = logging.getLogger(__name__)

LOG_TAIL_CHARS = 2000


class SoakServerError(LeakTestsError):
    """The soaked service failed to start, to respond or to stop."""


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``python -m leak_tests.soak.serve`` in a child process on 127.0.0.1.

    ``env`` contains the service's settings as environment variables, and a
    generated admin token is added to it. Output goes to ``server.log`` in
    ``workdir`` and the exit counters to ``dispatches.json`` there.
    """

    def __init__(
        self,
        *,
        pattern: str,
        port: int,
        env: dict[str, str],
        workdir: Path,
        drain_timeout: float,
    ) -> None:
        self.pattern = pattern
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.token = secrets.token_urlsafe(24)
        self.env = {**os.environ, **env, "ADMIN_TOKEN": self.token}
        self.workdir = workdir
        self.drain_timeout = drain_timeout
        self.log_path = workdir / "server.log"
        self.stats_path = workdir / "dispatches.json"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def pid(self) -> int:
        return self._require().pid

    def start(self, timeout: float) -> ServerProcess:
        """Start the process and wait up to ``timeout`` seconds for ``/health``."""
        command = [
            sys.executable, "-m", "leak_tests.soak.serve",
            "--port", str(self.port),
            "--pattern", self.pattern,
            "--stats-file", str(self.stats_path),
            "--drain-timeout", str(self.drain_timeout),
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        logger.info(
            "started %s server pid %d on port %d", self.pattern, self.pid, self.port
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(
            base_url=self.base_url, timeout=1.0, trust_env=False
        ) as client:
            while time.monotonic() < deadline:
                if self._require().poll() is not None:
                    raise SoakServerError(
                        f"the {self.pattern} server exited with code "
                        f"{self._require().returncode} before answering /health; "
                        f"its output ends with:\n{self.log_tail()}"
                    )
                try:
                    if client.get("/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.kill()
        raise SoakServerError(
            f"the {self.pattern} server did not answer /health on port {self.port} "
            f"within {timeout:g} s; its output ends with:\n{self.log_tail()}"
        )

    def get_json(self, path: str) -> Any:
        """Return the JSON body of ``GET path``, with admin credentials."""
        with httpx.Client(
            base_url=self.base_url,
            headers=self.auth_headers,
            timeout=10.0,
            trust_env=False,
        ) as client:
            response = client.get(path)
        if response.status_code != 200:
            raise SoakServerError(
                f"GET {path} returned {response.status_code}: {response.text[:200]}"
            )
        return response.json()

    def terminate(self, timeout: float) -> int:
        """Send SIGTERM and return the exit code; kill after ``timeout`` seconds."""
        process = self._require()
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.error(
                "the %s server ignored SIGTERM for %g s; killing it",
                self.pattern,
                timeout,
            )
            self.kill()
            return process.returncode

    def kill(self) -> None:
        """Kill the process if it still runs, and reap it."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def exit_counters(self) -> dict[str, Any]:
        """Return the dispatch counters the server wrote at exit."""
        try:
            data: dict[str, Any] = json.loads(
                self.stats_path.read_text(encoding="utf-8")
            )
        except (OSError, ValueError) as exc:
            raise SoakServerError(
                f"the {self.pattern} server left no readable counters in "
                f"{self.stats_path} ({exc}); its output ends with:\n{self.log_tail()}"
            ) from exc
        return data

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[
                -LOG_TAIL_CHARS:
            ]
        except OSError:
            return "(no output)"

    def _require(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("the server process has not been started")
        return self._process
