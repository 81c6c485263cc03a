import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from leak_tests.catalog.legacy import (
    run_legacy_in_thread,
    run_legacy_job,
    run_legacy_sequence,
)

Send = Callable[[], Awaitable[None]]


def test_legacy_job_runs_job_and_closes_loop() -> None:
    # GIVEN a job that records the loop it ran on
    loops: list[asyncio.AbstractEventLoop] = []

    async def job() -> None:
        loops.append(asyncio.get_running_loop())

    # WHEN the old pattern runs it in its own thread
    thread = threading.Thread(
        target=run_legacy_job, args=(job,), kwargs={"timeout": 1.0, "name": "t"}
    )
    thread.start()
    thread.join()

    # THEN the job ran on a loop that is now closed
    assert len(loops) == 1
    assert loops[0].is_closed()


def test_legacy_job_leaves_closed_loop_as_current() -> None:
    # GIVEN a thread that runs the old pattern, then reads its current loop
    seen: list[asyncio.AbstractEventLoop] = []

    async def job() -> None:
        await asyncio.sleep(0)

    def target() -> None:
        run_legacy_job(job, timeout=1.0, name="t")
        seen.append(asyncio.get_event_loop_policy().get_event_loop())

    # WHEN
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()

    # THEN the thread keeps the closed loop as its current loop, as pool workers do
    assert seen[0].is_closed()


def test_legacy_job_logs_timeout_and_returns(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a job slower than its timeout
    async def job() -> None:
        await asyncio.sleep(5)

    # WHEN
    with caplog.at_level(logging.WARNING, logger="leak_tests.catalog.legacy"):
        run_legacy_job(job, timeout=0.01, name="slow_job")
    asyncio.set_event_loop(None)

    # THEN
    assert "slow_job timed out" in caplog.text


def test_legacy_job_logs_other_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a failing job
    async def job() -> None:
        raise ConnectionRefusedError("refused")

    # WHEN
    with caplog.at_level(logging.ERROR, logger="leak_tests.catalog.legacy"):
        run_legacy_job(job, timeout=1.0, name="failing_job")
    asyncio.set_event_loop(None)

    # THEN the error is logged with its traceback
    assert "failing_job failed" in caplog.text
    assert "ConnectionRefusedError" in caplog.text


def test_legacy_sequence_runs_every_send_on_one_loop() -> None:
    # GIVEN three sends, the second of which fails
    loops: list[asyncio.AbstractEventLoop] = []
    events: list[str] = []

    async def ok() -> None:
        loops.append(asyncio.get_running_loop())

    async def failing() -> None:
        raise OSError("rejected")

    @asynccontextmanager
    async def open_sends() -> AsyncIterator[list[tuple[str, Send]]]:
        events.append("open")
        yield [("a", ok), ("b", failing), ("c", ok)]
        events.append("close")

    # WHEN
    run_legacy_sequence(open_sends, timeout=1.0, name="approval")
    asyncio.set_event_loop(None)

    # THEN the sends after the failure ran, on the same loop, and the service closed
    assert len(loops) == 2
    assert loops[0] is loops[1]
    assert loops[0].is_closed()
    assert events == ["open", "close"]


def test_legacy_dispatch_runs_job_in_named_thread() -> None:
    # GIVEN a job that records its arguments and the thread it ran in
    seen: list[tuple[str, int, str]] = []

    async def notify_job(text: str, *, count: int) -> None:
        seen.append((text, count, threading.current_thread().name))

    # WHEN it is dispatched the way the endpoints call run_async_in_thread
    handle = run_legacy_in_thread(notify_job, "hello", count=2, _context={"id": 7})
    finished = handle.wait(timeout=5.0)

    # THEN it ran once, with its arguments, in a fresh thread named after it
    assert finished
    assert seen == [("hello", 2, "legacy-notify_job")]


def test_legacy_dispatch_logs_timeout_without_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a job slower than its timeout
    async def slow_job() -> None:
        await asyncio.sleep(5)

    # WHEN it is dispatched with a short timeout
    with caplog.at_level(logging.WARNING, logger="leak_tests.catalog.legacy"):
        handle = run_legacy_in_thread(slow_job, _timeout=0.05)
        handle.wait(timeout=5.0)

    # THEN the thread ends and the timeout is logged with the job's name
    assert handle.done()
    assert "slow_job timed out" in caplog.text


def test_site_dispatch_runs_approval_as_sequence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the old sequence runner replaced by a recorder
    from leak_tests.catalog import patterns
    from leak_tests.catalog.sites import SITES

    ran: list[str] = []

    def record(opener: object, *, timeout: float, name: str) -> None:
        ran.append(name)

    monkeypatch.setattr(patterns, "run_legacy_sequence", record)
    site = SITES["booking_approval_notifications"]

    # WHEN the approval job is dispatched the way the endpoint calls it
    handle = patterns.run_legacy_site_in_thread(
        site.job, object(), object(), _context={"booking_id": 1}
    )
    finished = handle.wait(timeout=5.0)

    # THEN the old one-send-at-a-time sequence ran, not the concurrent job
    assert finished
    assert ran == ["booking_approval_notifications"]


def test_site_dispatch_runs_other_jobs_whole() -> None:
    # GIVEN a coroutine function that is no site's job
    from leak_tests.catalog.patterns import run_legacy_site_in_thread

    seen: list[str] = []

    async def other_job(text: str) -> None:
        seen.append(text)

    # WHEN it is dispatched
    handle = run_legacy_site_in_thread(other_job, "hello")
    finished = handle.wait(timeout=5.0)

    # THEN it ran once as one job on a hand-made loop
    assert finished
    assert seen == ["hello"]
