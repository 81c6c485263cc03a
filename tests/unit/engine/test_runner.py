"""The runner measures growth per call, and pause_gc makes release-by-collection
linear."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import socket
import threading
from typing import Any

import pytest

from leak_tests import Result, measure
from leak_tests.engine.result import Status
from leak_tests.engine.runner import (
    checkpoint_iterations,
    clear_interpreter_caches,
    theil_sen_slope,
)
from leak_tests.errors import UsageError

_kept: list[bytes] = []


def _noop() -> None:
    """Do nothing."""


def _keep_64_bytes() -> None:
    # bytes(31) is a 64-byte object on 64-bit CPython 3.10-3.13.
    _kept.append(bytes(31))


def test_empty_callable_zero_traced_growth() -> None:
    # WHEN an empty callable is measured over 2,000 calls
    result = measure(_noop, iterations=2000, warmup=100)

    # THEN traced memory stays within a few hundred bytes, and counts stay flat
    assert result.status is Status.OK
    assert abs(result.probes["traced_bytes"].delta) < 400
    assert result.probes["fds"].delta == 0
    assert result.probes["py_threads"].delta == 0
    assert result.probes["objects.EventLoop"].delta == 0


def test_kept_bytes_show_slope() -> None:
    # GIVEN a callable keeping 64 bytes per call in a global list
    _kept.clear()

    # WHEN it is measured
    result = measure(_keep_64_bytes, iterations=2000, warmup=100)
    _kept.clear()

    # THEN the traced slope is 64 B per call plus the list's pointer and slack
    slope = result.probes["traced_bytes"].slope_per_iter
    assert 64 <= slope <= 90
    assert result.probes["traced_blocks"].slope_per_iter == 1.0
    top = result.attribution.allocations[0]
    assert top.filename == __file__


def test_fd_per_call_shows_one_per_call() -> None:
    # GIVEN a callable that opens /dev/null and keeps it open
    opened: list[int] = []

    def open_devnull() -> None:
        opened.append(os.open(os.devnull, os.O_RDONLY))

    # WHEN it is measured
    try:
        result = measure(open_devnull, iterations=200, warmup=10, checkpoints=4)
    finally:
        for fd in opened:
            os.close(fd)

    # THEN fds grow by exactly one per call, and attribution names the file
    assert result.probes["fds"].slope_per_iter == 1.0
    assert result.probes["fds"].delta == 200
    assert {info.detail for info in result.attribution.fds} == {os.devnull}


def test_pause_gc_cycle_socket_linear() -> None:
    # GIVEN a socket held only by a reference cycle, never closed
    def cycle_socket() -> None:
        holder: dict[str, object] = {"socket": socket.socket()}
        holder["self"] = holder

    # WHEN it is measured with the collector paused between checkpoints
    result = measure(
        cycle_socket, iterations=200, warmup=10, checkpoints=4, pause_gc=True
    )

    # THEN between checkpoints fds grow exactly one per call, and collection
    # releases them all
    fds = result.probes["fds"]
    measured = [r for r in fds.readings if r.iteration >= 0]
    per_call = [
        (later.before_gc - earlier.after_gc) / (later.iteration - earlier.iteration)
        for earlier, later in itertools.pairwise(measured)
    ]
    assert per_call == [1.0, 1.0, 1.0, 1.0]
    assert fds.slope_per_iter == 0.0
    assert fds.high_watermark == fds.first + 50
    assert result.probes["events.resource_warning.socket"].last == 200


def test_thread_per_call_named_in_attribution() -> None:
    # GIVEN a callable that starts a thread per call which never ends by itself
    release = threading.Event()
    started: list[threading.Thread] = []

    def start_thread() -> None:
        thread = threading.Thread(
            target=release.wait, name=f"stuck-{len(started)}", daemon=True
        )
        thread.start()
        started.append(thread)

    # WHEN it is measured
    try:
        result = measure(
            start_thread, iterations=20, warmup=0, checkpoints=2, settle_timeout=0.05
        )
    finally:
        release.set()
        for thread in started:
            thread.join()

    # THEN threads grow one per call, each named with its stack
    assert result.probes["py_threads"].delta == 20
    stuck = [info for info in result.attribution.threads if info.name == "stuck-0"]
    assert len(stuck) == 1
    assert any("wait" in line for line in stuck[0].stack)
    created = [i for i in result.attribution.threads if i.created_at]
    assert any(__file__ in line for line in created[0].created_at)


def test_destroyed_tasks_counted_per_call() -> None:
    # GIVEN the old pattern leaving a task pending when its loop closes
    def old_pattern() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.create_task(asyncio.sleep(3600))  # noqa: RUF006 - left pending
            loop.run_until_complete(asyncio.sleep(0))
        finally:
            loop.close()

    # WHEN it is measured
    result = measure(old_pattern, iterations=100, warmup=5, checkpoints=4)

    # THEN every measured call counts one destroyed task and memory stays flat
    assert result.probes["events.task_destroyed"].last == 100
    assert result.probes["objects.Task"].delta == 0
    samples = {sample.kind: sample for sample in result.attribution.events}
    assert samples["task_destroyed"].count == 100


def test_exception_ends_run_with_error() -> None:
    # GIVEN a callable that fails on its 30th call
    calls = [0]

    def fail_later() -> None:
        calls[0] += 1
        if calls[0] == 30:
            raise ValueError("call 30 failed")

    # WHEN it is measured
    result = measure(fail_later, iterations=100, warmup=10, checkpoints=10)

    # THEN the run stops with the traceback and the readings so far
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "ValueError: call 30 failed" in result.error
    assert result.calls_completed == 29
    assert [r.iteration for r in result.probes["fds"].readings] == [-10, 0, 10]


def test_result_round_trips_through_dict() -> None:
    # GIVEN a measured result
    result = measure(_noop, iterations=20, warmup=2, checkpoints=2)

    # WHEN it goes through its JSON form
    again = Result.from_dict(result.to_dict())

    # THEN nothing changes
    assert again.to_dict() == result.to_dict()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iterations": 0}, "iterations must be at least 1, got 0"),
        ({"warmup": -1}, "warmup must be 0 or more, got -1"),
        ({"checkpoints": 0}, "checkpoints must be at least 1, got 0"),
    ],
)
def test_measure_invalid_arguments(kwargs: dict[str, Any], message: str) -> None:
    # WHEN an argument is out of range
    with pytest.raises(UsageError, match=message):
        measure(_noop, **kwargs)


def test_checkpoints_evenly_spaced() -> None:
    # THEN checkpoints include 0 and the last call, evenly spaced
    assert checkpoint_iterations(2000, 10) == list(range(0, 2001, 200))
    assert checkpoint_iterations(3, 10) == [0, 1, 2, 3]


def test_theil_sen_ignores_one_outlier() -> None:
    # GIVEN a line of slope 2 with one outlying point
    points = [(0.0, 0.0), (1.0, 2.0), (2.0, 4.0), (3.0, 500.0), (4.0, 8.0)]

    # THEN the slope stays 2
    assert theil_sen_slope(points) == 2.0


class _Finder:
    """Looks up a method named after each request, as setuptools' finder does."""


_names = itertools.count()


def _fresh_name_lookup() -> None:
    getattr(_Finder(), f"spec_for_module_{next(_names)}", None)


def _fresh_pattern() -> None:
    re.compile(f"boundary-{next(_names)}")


@pytest.mark.parametrize(
    "call", [_fresh_name_lookup, _fresh_pattern], ids=["type-cache", "re-cache"]
)
def test_interpreter_caches_not_read_as_growth(call: Any) -> None:
    # GIVEN a call that fills a bounded CPython cache with one new entry per call
    # WHEN it is measured over fewer calls than the cache has room for
    result = measure(call, iterations=400, warmup=20, checkpoints=8)

    # THEN traced memory reads clean: every reading empties those caches
    assert result.probes["traced_blocks"].verdict.value == "clean"
    assert result.probes["traced_bytes"].verdict.value == "clean"


def test_checkpoint_empties_interpreter_caches() -> None:
    # GIVEN a compiled pattern in re's cache
    re.compile("cached-pattern-for-the-test")

    # WHEN the caches are cleared as at a checkpoint
    clear_interpreter_caches()

    # THEN re's cache is empty
    assert len(re._cache) == 0  # type: ignore[attr-defined]
