"""Factories of misbehaving callables, for testing the harness under faults.

Each factory returns a zero-argument callable that ``measure_isolated`` can
measure (``"leak_tests.engine.faults:hang_forever"`` and so on). The ``*_dispatch``
functions have the signature of ``run_async_in_thread`` instead, so that
``python -m leak_tests run --fixed-dispatch leak_tests.engine.faults:NAME`` puts
the same fault inside every ``fixed`` scenario of a matrix run.

Only run these in a child process: they hang, kill or exhaust the process that
calls them.
"""

from __future__ import annotations

import ctypes
import os
import resource
import threading
from collections.abc import Callable
from typing import Any

DEFAULT_EXIT_CODE = 13
"""Exit status of ``exit_process``, distinct from Python's own 0, 1 and 2."""

DEFAULT_FD_LIMIT = 512
"""Soft fd limit that ``open_fds_until_limit`` sets, so that it fails quickly."""

DEFAULT_MEMORY_CAP = 1 << 30
"""Address-space cap, in bytes, that ``allocate_until_cap`` sets when the process
has none, so that a run without ``memory_limit`` still never swaps."""

ALLOCATION_CHUNK = 32 << 20
"""Bytes allocated per step by ``allocate_until_cap``."""

Fault = Callable[[], None]


def no_fault() -> Fault:
    """Return a callable that does nothing: the clean reference for the faults."""

    def call() -> None:
        return None

    return call


def hang_forever() -> Fault:
    """Return a callable that blocks forever on an event that is never set."""
    never = threading.Event()

    def call() -> None:
        never.wait()

    return call


def exit_process(code: int = DEFAULT_EXIT_CODE) -> Fault:
    """Return a callable that ends the process at once with ``os._exit(code)``."""

    def call() -> None:
        os._exit(code)

    return call


def segfault() -> Fault:
    """Return a callable that reads address 0 through ``ctypes`` (SIGSEGV)."""

    def call() -> None:
        ctypes.string_at(0)

    return call


def endless_threads(per_call: int = 1, daemon: bool = False) -> Fault:
    """Return a callable that starts ``per_call`` threads that never finish.

    With ``daemon=False`` (the default) the threads also keep the interpreter
    from exiting normally, as a forgotten worker thread in real code does.
    """
    never = threading.Event()

    def call() -> None:
        for _ in range(per_call):
            threading.Thread(target=never.wait, name="endless", daemon=daemon).start()

    return call


class _FdHog:
    """Opens ``per_call`` descriptors of ``/dev/null`` per call and keeps them."""

    def __init__(self, per_call: int) -> None:
        self.per_call = per_call
        self.held: list[int] = []

    def __call__(self) -> None:
        for _ in range(self.per_call):
            self.held.append(os.open(os.devnull, os.O_RDONLY))


def open_fds_until_limit(limit: int = DEFAULT_FD_LIMIT, per_call: int = 16) -> Fault:
    """Return a callable that opens fds until ``OSError`` (EMFILE) at ``limit``.

    The factory lowers the process's soft ``RLIMIT_NOFILE`` to ``limit``. The
    callable keeps every descriptor it opens and has no ``close()``.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return _FdHog(per_call)


def allocate_until_cap(
    cap: int = DEFAULT_MEMORY_CAP, chunk: int = ALLOCATION_CHUNK
) -> Fault:
    """Return a callable that keeps allocating ``chunk`` bytes until ``MemoryError``.

    The memory stays referenced. When the process has no address-space limit,
    the factory sets ``cap`` first; an existing limit (``memory_limit`` of
    ``measure_isolated``) is left as it is.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    kept: list[bytearray] = []

    def call() -> None:
        while True:
            kept.append(bytearray(chunk))

    return call


class _FaultHandle:
    """The ``JobHandle`` surface that the matrix's fixed dispatcher waits on."""

    def __init__(self, fault: Fault) -> None:
        self._fault = fault

    def wait(self, timeout: float | None = None) -> bool:
        self._fault()
        return True


_dispatch_faults: dict[str, Fault] = {}


def _dispatch(name: str, factory: Callable[[], Fault]) -> _FaultHandle:
    # One fault per process, built on the first dispatch, as a factory would be.
    if name not in _dispatch_faults:
        _dispatch_faults[name] = factory()
    return _FaultHandle(_dispatch_faults[name])


def hang_dispatch(async_fn: Any, /, *args: Any, **kwargs: Any) -> _FaultHandle:
    """Replace ``run_async_in_thread`` with a job whose wait never returns."""
    return _dispatch("hang", hang_forever)


def exit_dispatch(async_fn: Any, /, *args: Any, **kwargs: Any) -> _FaultHandle:
    """Replace ``run_async_in_thread`` with a job whose wait calls ``os._exit``."""
    return _dispatch("exit", exit_process)


def segfault_dispatch(async_fn: Any, /, *args: Any, **kwargs: Any) -> _FaultHandle:
    """Replace ``run_async_in_thread`` with a job whose wait segfaults."""
    return _dispatch("segfault", segfault)


def thread_dispatch(async_fn: Any, /, *args: Any, **kwargs: Any) -> _FaultHandle:
    """Replace ``run_async_in_thread`` with jobs that each leave a thread running."""
    return _dispatch("threads", endless_threads)


def fd_dispatch(async_fn: Any, /, *args: Any, **kwargs: Any) -> _FaultHandle:
    """Replace ``run_async_in_thread`` with jobs that open fds until the limit."""
    return _dispatch("fds", open_fds_until_limit)


def allocate_dispatch(async_fn: Any, /, *args: Any, **kwargs: Any) -> _FaultHandle:
    """Replace ``run_async_in_thread`` with a job that allocates until the cap."""
    return _dispatch("memory", allocate_until_cap)
