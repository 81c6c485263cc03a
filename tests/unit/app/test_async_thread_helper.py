"""The notification runner: bound, queue, drain, counters, logging, threads."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from app.utils.async_thread_helper import (
    THREAD_NAME_PREFIX,
    AsyncThreadRunner,
    JobHandle,
)

HELPER_LOGGER = "app.utils.async_thread_helper"


def notify_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME_PREFIX)]


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


class ConcurrencyProbe:
    """Counts jobs running at once and keeps the highest count seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = 0
        self.high_watermark = 0
        self.finished = 0

    async def job(self, gate: threading.Event | None = None) -> None:
        with self._lock:
            self.current += 1
            self.high_watermark = max(self.high_watermark, self.current)
        try:
            await asyncio.sleep(0.01)
            while gate is not None and not gate.is_set():
                await asyncio.sleep(0.005)
        finally:
            with self._lock:
                self.current -= 1
                self.finished += 1


async def failing_job(message: str) -> None:
    raise RuntimeError(message)


async def sleeping_job(seconds: float) -> None:
    await asyncio.sleep(seconds)


@pytest.fixture
def runner() -> Iterator[AsyncThreadRunner]:
    runner = AsyncThreadRunner(max_concurrency=3, default_timeout=5.0)
    yield runner
    assert runner.drain(10.0)


def test_running_jobs_stay_within_bound(runner: AsyncThreadRunner) -> None:
    # GIVEN a runner bounded to 3 and a gate that holds jobs running
    probe = ConcurrencyProbe()
    gate = threading.Event()

    # WHEN 10 jobs are submitted and the gate opens
    handles = [runner.run_async_in_thread(probe.job, gate) for _ in range(10)]
    wait_until(lambda: probe.current == 3)
    during = runner.stats()
    threads_during = len(notify_threads())
    gate.set()
    assert runner.drain(10.0)

    # THEN at most 3 ran at once, the rest queued, and every job finished
    assert probe.high_watermark == 3
    assert during.running == 3
    assert during.queued == 7
    assert threads_during == 3
    assert all(handle.done() for handle in handles)
    assert probe.finished == 10


def test_no_job_dropped_under_burst() -> None:
    # GIVEN a runner bounded to 4
    runner = AsyncThreadRunner(max_concurrency=4)
    probe = ConcurrencyProbe()

    # WHEN 200 jobs are submitted at once
    handles = [runner.run_async_in_thread(probe.job) for _ in range(200)]
    drained = runner.drain(30.0)

    # THEN all 200 ran, none at more than 4 at once
    assert drained
    assert probe.finished == 200
    assert probe.high_watermark <= 4
    assert all(handle.exception is None for handle in handles)
    assert runner.stats().succeeded == 200


def test_drain_returns_false_while_job_runs(runner: AsyncThreadRunner) -> None:
    # GIVEN a job held by a gate
    gate = threading.Event()
    runner.run_async_in_thread(ConcurrencyProbe().job, gate)

    # WHEN drain waits less time than the job takes, then the gate opens
    early = runner.drain(0.1)
    gate.set()
    late = runner.drain(10.0)

    # THEN the first drain gave up and the second saw every thread exit
    assert early is False
    assert late is True
    assert notify_threads() == []


def test_no_thread_left_after_drain(runner: AsyncThreadRunner) -> None:
    # GIVEN a burst of short jobs
    probe = ConcurrencyProbe()
    for _ in range(20):
        runner.run_async_in_thread(probe.job)

    # WHEN the runner drains
    drained = runner.drain(10.0)

    # THEN no notification thread is left
    assert drained
    assert notify_threads() == []


def test_worker_thread_named_after_job(runner: AsyncThreadRunner) -> None:
    # GIVEN a job that reads its thread's name
    names: list[str] = []

    async def record_name() -> None:
        names.append(threading.current_thread().name)

    # WHEN it runs with and without an explicit name
    runner.run_async_in_thread(record_name).wait(5.0)
    runner.run_async_in_thread(record_name, _name="custom").wait(5.0)

    # THEN each thread is named notify-<job name>
    assert names == ["notify-record_name", "notify-custom"]


def test_handle_reports_success(runner: AsyncThreadRunner) -> None:
    # WHEN a job succeeds
    handle = runner.run_async_in_thread(sleeping_job, 0.01)

    # THEN its handle is done with no exception
    assert handle.wait(5.0)
    assert handle.done()
    assert handle.exception is None
    assert handle.name == "sleeping_job"


def test_failure_logged_and_counted(
    runner: AsyncThreadRunner, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN captured logs
    caplog.set_level(logging.WARNING, logger=HELPER_LOGGER)

    # WHEN a job raises
    handle = runner.run_async_in_thread(failing_job, "boom", _context={"booking_id": 7})
    handle.wait(5.0)

    # THEN the exception is on the handle, counted, and logged once with the ids
    assert isinstance(handle.exception, RuntimeError)
    assert runner.stats().failed == 1
    records = [r for r in caplog.records if r.name == HELPER_LOGGER]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert "failing_job" in records[0].getMessage()
    assert "booking_id=7" in records[0].getMessage()
    assert "boom" in records[0].getMessage()


def test_timeout_logged_and_counted(
    runner: AsyncThreadRunner, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN captured logs
    caplog.set_level(logging.WARNING, logger=HELPER_LOGGER)

    # WHEN a job outlives its own timeout
    handle = runner.run_async_in_thread(
        sleeping_job, 5.0, _timeout=0.05, _context={"vendor_id": 3}
    )
    handle.wait(5.0)

    # THEN it is cancelled, counted as timed out and logged once
    assert isinstance(handle.exception, asyncio.TimeoutError)
    stats = runner.stats()
    assert stats.timed_out == 1
    assert stats.failed == 0
    records = [r for r in caplog.records if r.name == HELPER_LOGGER]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert "sleeping_job" in records[0].getMessage()
    assert "vendor_id=3" in records[0].getMessage()


def test_default_timeout_applies(runner: AsyncThreadRunner) -> None:
    # GIVEN a runner whose default timeout is short
    runner.configure(max_concurrency=3, default_timeout=0.05)

    # WHEN a job without its own timeout runs too long
    handle = runner.run_async_in_thread(sleeping_job, 5.0)
    handle.wait(5.0)

    # THEN the default timeout stopped it
    assert isinstance(handle.exception, asyncio.TimeoutError)


def test_counters_add_up(runner: AsyncThreadRunner) -> None:
    # WHEN jobs succeed, fail and time out
    handles: list[JobHandle] = [
        runner.run_async_in_thread(sleeping_job, 0.0),
        runner.run_async_in_thread(sleeping_job, 0.0),
        runner.run_async_in_thread(failing_job, "x"),
        runner.run_async_in_thread(sleeping_job, 5.0, _timeout=0.05),
    ]
    for handle in handles:
        handle.wait(5.0)

    # THEN each outcome is counted once and nothing is left running
    assert runner.stats().submitted == 4
    assert runner.stats().succeeded == 2
    assert runner.stats().failed == 1
    assert runner.stats().timed_out == 1
    assert runner.stats().running == 0
    assert runner.stats().queued == 0


def test_pending_task_cancelled_when_job_returns(runner: AsyncThreadRunner) -> None:
    # GIVEN a job that leaves a task pending, whose cleanup sets a flag
    cleaned = threading.Event()

    async def leave_task_pending() -> None:
        async def background() -> None:
            try:
                await asyncio.sleep(60)
            finally:
                cleaned.set()

        asyncio.get_running_loop().create_task(background())
        await asyncio.sleep(0)

    # WHEN the job returns
    runner.run_async_in_thread(leave_task_pending).wait(5.0)

    # THEN asyncio.run cancelled the task and its cleanup ran
    assert cleaned.is_set()


@pytest.mark.parametrize(
    ("max_concurrency", "default_timeout"), [(0, None), (1, 0.0), (1, -1.0)]
)
def test_configure_rejects_invalid_values(
    max_concurrency: int, default_timeout: float | None
) -> None:
    # WHEN a runner is configured with a value out of range
    # THEN it raises ValueError
    with pytest.raises(ValueError, match="must be"):
        AsyncThreadRunner(
            max_concurrency=max_concurrency, default_timeout=default_timeout
        )
