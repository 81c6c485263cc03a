"""measure_isolated turns every child outcome into a Result, never an exception."""

from __future__ import annotations

import os
import time

import pytest

from leak_tests import measure_isolated
from leak_tests.engine.result import Status, Verdict

FACTORIES = os.path.join(os.path.dirname(__file__), "isolation_factories.py")
SHORT = {"iterations": 50, "warmup": 5, "checkpoints": 2}


def test_clean_child_returns_readings() -> None:
    # WHEN a no-op factory is measured in a child
    result = measure_isolated(f"{FACTORIES}:noop", **SHORT)

    # THEN the result comes back with readings
    assert result.status is Status.OK
    assert result.calls_completed == 55
    assert result.probes["fds"].delta == 0


def test_extra_and_close_used() -> None:
    # WHEN the callable has extra() and close()
    result = measure_isolated(f"{FACTORIES}:closable", **SHORT)

    # THEN extra() lands in the result
    assert result.status is Status.OK
    assert result.extra["calls_seen"] >= 55


def test_hang_times_out() -> None:
    # WHEN the child hangs past its timeout
    started = time.monotonic()
    result = measure_isolated(f"{FACTORIES}:hang", timeout=3.0, **SHORT)
    elapsed = time.monotonic() - started

    # THEN it is killed and reported as a timeout soon after
    assert result.status is Status.TIMEOUT
    assert result.verdict is Verdict.TIMEOUT
    assert elapsed < 3.0 + 5.0


def test_os_exit_names_code() -> None:
    # WHEN the child ends with os._exit(3)
    result = measure_isolated(f"{FACTORIES}:exit_abruptly", **SHORT)

    # THEN the error names the exit code
    assert result.status is Status.ERROR
    assert result.error is not None
    assert result.error.startswith("child exited with code 3")


def test_segfault_names_signal() -> None:
    # WHEN the child reads address 0
    result = measure_isolated(f"{FACTORIES}:segfault", **SHORT)

    # THEN the error names SIGSEGV
    assert result.status is Status.ERROR
    assert result.error is not None
    assert result.error.startswith("child was killed by SIGSEGV")


def test_factory_exception_reported() -> None:
    # WHEN the factory raises
    result = measure_isolated(f"{FACTORIES}:raise_in_factory", **SHORT)

    # THEN the error carries its message
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "factory cannot build the scenario" in result.error


def test_unknown_factory_reported() -> None:
    # WHEN the factory does not exist
    result = measure_isolated(f"{FACTORIES}:no_such_factory", **SHORT)

    # THEN the error is the resolution message
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "has no attribute 'no_such_factory'" in result.error


def test_fd_exhaustion_is_error() -> None:
    # WHEN the child opens descriptors until the limit
    result = measure_isolated(
        f"{FACTORIES}:open_fds_forever",
        iterations=1000,
        warmup=0,
        checkpoints=1,
        timeout=120.0,
    )

    # THEN the run ends as an error, not a lost result
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "Too many open files" in result.error


def test_memory_limit_is_error() -> None:
    # WHEN the child allocates past its address-space limit
    result = measure_isolated(
        f"{FACTORIES}:allocate_forever",
        memory_limit=512 << 20,
        iterations=1000,
        warmup=0,
        checkpoints=1,
        probes=["fds"],
        timeout=120.0,
    )

    # THEN the run ends as an error naming the MemoryError
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "MemoryError" in result.error


@pytest.mark.parametrize("bad", ["not json safe"])
def test_parent_never_raises(bad: str) -> None:
    # WHEN the target string itself is malformed
    result = measure_isolated(bad, **SHORT)

    # THEN an error result comes back
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "invalid target 'not json safe'" in result.error
