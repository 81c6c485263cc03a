"""Where the old pattern's thread target runs: a fresh thread or a reused worker.

The old call sites started a fresh ``threading.Thread`` per notification. The same
target also runs in practice on the reused worker threads of a thread pool, which
is what Starlette's ``run_in_threadpool`` (and so FastAPI's sync endpoints and
background tasks) uses. A worker that ran the old pattern keeps the closed loop
it set as its current loop until it runs the pattern again, so a pool shows
retained loops that a fresh thread per call never shows.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

Target = Callable[[], None]
Waiter = Callable[[], object]
"""Blocks until the started call has finished."""

DEFAULT_POOL_WORKERS = 4


class Context(Protocol):
    """Runs a thread target somewhere other than the calling thread."""

    name: str

    def start(self, target: Target) -> Waiter:
        """Start ``target`` and return a function that waits for it to finish."""
        ...

    def close(self) -> None:
        """Release the threads the context keeps."""
        ...


class ThreadContext:
    """A fresh thread per call, started and joined, as the old call sites did."""

    name = "thread"

    def __init__(self, *, thread_name: str = "legacy-notify") -> None:
        self._thread_name = thread_name
        self._counter = itertools.count(1)

    def start(self, target: Target) -> Waiter:
        thread = threading.Thread(
            target=target, name=f"{self._thread_name}-{next(self._counter)}"
        )
        thread.start()
        return thread.join

    def close(self) -> None:
        """Keep nothing: each thread has been joined by its waiter."""


class PoolContext:
    """A reused worker thread of a ``ThreadPoolExecutor`` per call."""

    name = "pool"

    def __init__(self, *, workers: int = DEFAULT_POOL_WORKERS) -> None:
        if workers < 1:
            raise ValueError(f"pool workers must be at least 1, got {workers}")
        self.workers = workers
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="legacy-pool"
        )

    def start(self, target: Target) -> Waiter:
        return self._executor.submit(target).result

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def make_context(name: str, *, pool_workers: int = DEFAULT_POOL_WORKERS) -> Context:
    """Build the old pattern's context called ``name`` (``thread`` or ``pool``)."""
    if name == "thread":
        return ThreadContext()
    if name == "pool":
        return PoolContext(workers=pool_workers)
    raise ValueError(
        f"unknown context {name!r} for the old pattern; use thread or pool"
    )
