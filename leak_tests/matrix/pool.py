"""Parallel workers for the matrix, each lending out its own pair of servers."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from leak_tests.matrix.servers import ServerPair

T = TypeVar("T")


class ServerPool:
    """At most ``size`` server pairs, started on first need and reused.

    Each parallel worker thread takes a pair for one scenario and returns it, so
    no two scenarios ever share servers and each pair starts once.
    """

    def __init__(self, size: int, start: Callable[[], ServerPair] = ServerPair) -> None:
        self._size = size
        self._start = start
        self._idle: queue.SimpleQueue[ServerPair] = queue.SimpleQueue()
        self._all: list[ServerPair] = []
        self._lock = threading.Lock()

    def run(self, work: Callable[[ServerPair], T]) -> T:
        """Run ``work`` with a pair of servers that no other worker is using."""
        servers = self._take()
        try:
            return work(servers)
        finally:
            self._idle.put(servers)

    def close(self) -> None:
        for servers in self._all:
            servers.close()
        self._all.clear()

    def _take(self) -> ServerPair:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._all) < self._size:
                servers = self._start()
                self._all.append(servers)
                return servers
        return self._idle.get()


def submit_with_servers(
    executor: ThreadPoolExecutor, servers: ServerPool, work: Callable[[ServerPair], T]
) -> Future[T]:
    """Submit ``work`` to ``executor``, lending it a pair of servers when it runs."""
    return executor.submit(servers.run, work)
