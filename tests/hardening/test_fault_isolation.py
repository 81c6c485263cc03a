"""Faults inside a measured callable: each becomes its own verdict in the parent."""

from __future__ import annotations

from typing import Any

import pytest

from leak_tests.engine.isolation import measure_isolated
from leak_tests.engine.result import Result, Status, Verdict

FAULTS = "leak_tests.engine.faults"
SHORT_RUN = {"iterations": 20, "warmup": 2, "checkpoints": 4}
MEMORY_LIMIT = 1 << 30
"""Address-space cap of the allocating child, in bytes: far below the machine's."""


def measure_fault(name: str, timeout: float = 60.0, **kwargs: Any) -> Result:
    factory_kwargs = kwargs.pop("factory_kwargs", None)
    return measure_isolated(
        f"{FAULTS}:{name}",
        factory_kwargs=factory_kwargs,
        timeout=timeout,
        **{**SHORT_RUN, **kwargs},
    )


def test_hang_becomes_timeout_verdict() -> None:
    # GIVEN a callable that never returns
    # WHEN it is measured with a 3 s limit
    result = measure_fault("hang_forever", timeout=3.0)

    # THEN the parent reports a timeout instead of waiting
    assert result.status is Status.TIMEOUT
    assert result.verdict is Verdict.TIMEOUT
    assert "timed out after 3 s" in (result.error or "")


def test_os_exit_becomes_error_verdict() -> None:
    # GIVEN a callable that calls os._exit(13)
    # WHEN it is measured
    result = measure_fault("exit_process")

    # THEN the result names the exit code
    assert result.verdict is Verdict.ERROR
    assert "exited with code 13" in (result.error or "")


def test_segfault_becomes_error_verdict() -> None:
    # GIVEN a callable that reads address 0 through ctypes
    # WHEN it is measured
    result = measure_fault("segfault")

    # THEN the result names the signal
    assert result.verdict is Verdict.ERROR
    assert "SIGSEGV" in (result.error or "")


@pytest.mark.parametrize("daemon", [False, True], ids=["non_daemon", "daemon"])
def test_endless_threads_judged_leak(daemon: bool) -> None:
    # GIVEN a callable that starts a thread per call that never finishes
    # WHEN it is measured
    result = measure_fault("endless_threads", factory_kwargs={"daemon": daemon})

    # THEN the threads are a leak, and non-daemon threads do not hang the child
    assert result.status is Status.OK
    assert result.verdict is Verdict.LEAK
    assert result.probes["py_threads"].verdict is Verdict.LEAK


def test_fd_exhaustion_becomes_error_verdict() -> None:
    # GIVEN a callable that opens fds until the soft limit of 512
    # WHEN it is measured
    result = measure_fault("open_fds_until_limit")

    # THEN the result is an error that names the cause
    assert result.verdict is Verdict.ERROR
    assert "Too many open files" in (result.error or "")


def test_memory_cap_becomes_error_verdict() -> None:
    # GIVEN a callable that allocates until MemoryError, under a 1 GiB cap
    # WHEN it is measured
    result = measure_fault("allocate_until_cap", memory_limit=MEMORY_LIMIT)

    # THEN the cap stops it and the result names MemoryError
    assert result.verdict is Verdict.ERROR
    assert "MemoryError" in (result.error or "")


def test_measurement_after_fault_still_works() -> None:
    # GIVEN a child that just crashed
    measure_fault("segfault")

    # WHEN a clean callable is measured next
    result = measure_fault("no_fault", iterations=200)

    # THEN it is measured normally
    assert result.status is Status.OK
    assert result.verdict is Verdict.CLEAN
