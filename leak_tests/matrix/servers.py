"""A parallel worker's own pair of local SMTP and WhatsApp servers.

The servers run in their own processes (``devservers.launch``), so their sockets
and threads never show up in the measured child process. A server found dead
after a scenario is started again for the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from leak_tests.errors import PeerServerError

logger = logging.getLogger(__name__)

CONDITION_BEHAVIORS: dict[str, str] = {
    "ok": "ok",
    "slow": "slow",
    "failing": "reject",
    "dropped": "drop",
}
"""The servers' ``set_behavior`` mode per condition."""

SERVER_NAMES = ("smtp", "whatsapp")


class ServerPair:
    """Start, watch and restart one SMTP and one WhatsApp server."""

    def __init__(self) -> None:
        self._servers: dict[str, Any] = {}
        try:
            for name in SERVER_NAMES:
                self._servers[name] = _start(name)
        except PeerServerError:
            self.close()
            raise

    def factory_kwargs(self) -> dict[str, Any]:
        """Return the ports and token the measured child sends with."""
        whatsapp = self._servers["whatsapp"]
        return {
            "smtp_port": self._servers["smtp"].port,
            "whatsapp_port": whatsapp.port,
            "whatsapp_token": whatsapp.access_token,
        }

    def apply(self, condition: str, *, stall: float) -> None:
        """Set ``condition`` on both servers and clear their counts."""
        mode = CONDITION_BEHAVIORS[condition]
        delay = stall if mode == "slow" else 0.0
        for server in self._servers.values():
            server.set_behavior(mode, delay=delay)
            server.clear()

    def counts(self) -> dict[str, int]:
        """Return the messages received per recipient by both servers."""
        merged: dict[str, int] = {}
        for server in self._servers.values():
            for recipient, count in server.counts().items():
                merged[recipient] = merged.get(recipient, 0) + int(count)
        return merged

    def pids(self) -> dict[str, int]:
        return {name: server.pid for name, server in self._servers.items()}

    def restart_dead(self) -> list[str]:
        """Restart every server whose control API fails, and return their names."""
        dead = [name for name in SERVER_NAMES if not self._answers(name)]
        for name in dead:
            old = self._servers[name]
            logger.warning("%s server (pid %s) died; starting a new one", name, old.pid)
            old.stop()
            self._servers[name] = _start(name)
        return dead

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()

    def _answers(self, name: str) -> bool:
        try:
            self._servers[name].counts()
        except Exception:
            return False
        return True


def _start(name: str) -> Any:
    from devservers import launch

    starters: dict[str, Callable[[], Any]] = {
        "smtp": launch.start_smtp_server,
        "whatsapp": launch.start_whatsapp_server,
    }
    try:
        return starters[name]()
    except launch.PeerServerError as exc:
        raise PeerServerError(
            f"the local {name} server failed to start: {exc}"
        ) from exc
