"""Factories that the isolation tests run in child processes."""

from __future__ import annotations

import ctypes
import os
import resource
import time
from collections.abc import Callable


def noop() -> Callable[[], None]:
    """Return a callable that does nothing."""
    return lambda: None


def hang(seconds: float = 3600.0) -> Callable[[], None]:
    """Return a callable that sleeps far past any test timeout."""
    return lambda: time.sleep(seconds)


def exit_abruptly(code: int = 3) -> Callable[[], None]:
    """Return a callable that ends the process without cleanup."""
    return lambda: os._exit(code)


def segfault() -> Callable[[], None]:
    """Return a callable that reads address 0."""
    return lambda: ctypes.string_at(0)


def raise_in_factory() -> Callable[[], None]:
    """Raise instead of returning a callable."""
    raise RuntimeError("factory cannot build the scenario")


def open_fds_forever(limit: int = 256) -> Callable[[], None]:
    """Lower the fd limit to ``limit``, then return a callable that opens
    /dev/null on every call and keeps it."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    opened: list[int] = []
    return lambda: opened.append(os.open(os.devnull, os.O_RDONLY))


def allocate_forever() -> Callable[[], None]:
    """Return a callable that keeps 16 MiB more on every call."""
    kept: list[bytearray] = []
    return lambda: kept.append(bytearray(16 << 20))


class _Closable:
    def __init__(self) -> None:
        self.calls = 0
        self.closed = False

    def __call__(self) -> None:
        self.calls += 1

    def extra(self) -> dict[str, int]:
        return {"calls_seen": self.calls}

    def close(self) -> None:
        self.closed = True


def closable() -> _Closable:
    """Return a callable object with ``extra()`` and ``close()``."""
    return _Closable()
