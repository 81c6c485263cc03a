"""Thread counts: Python threads and the process's OS threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil

from leak_tests.engine.probes.base import Probe, ProbeSpec


@dataclass(frozen=True)
class ThreadCounts:
    """Live threads."""

    python: int
    """``threading.active_count()``: started and not yet finished."""
    os: int
    """Kernel threads of the process, which include threads not made in Python."""


class ThreadProbe(Probe):
    """Read ``py_threads`` and ``os_threads``."""

    specs = (ProbeSpec("py_threads", "threads"), ProbeSpec("os_threads", "threads"))

    def __init__(self) -> None:
        self._process = psutil.Process()

    def snapshot(self) -> ThreadCounts:
        return ThreadCounts(
            python=threading.active_count(), os=self._process.num_threads()
        )

    def values(self, snapshot: ThreadCounts) -> dict[str, float]:
        return {"py_threads": snapshot.python, "os_threads": snapshot.os}


def count_os_threads() -> int:
    """Return the process's kernel thread count."""
    return psutil.Process().num_threads()
