"""Run coroutine functions in bounded background threads, one ``asyncio.run`` each.

Each job runs ``asyncio.run`` in a worker thread named ``notify-<job name>``, so
the job gets a fresh event loop that is closed, with its pending tasks cancelled,
its async generators finalised and its default executor shut down, before the
job counts as done. At most ``max_concurrency`` jobs run at once. Further jobs
wait in a FIFO queue and none is dropped. A worker takes queued jobs until the
queue is empty and then exits, so an idle process keeps no notification threads.

Every failure and timeout is logged with the job's name and context ids, and
counted in :class:`RunnerStats`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

THREAD_NAME_PREFIX = "notify-"
DEFAULT_MAX_CONCURRENCY = 16

__all__ = [
    "AsyncThreadRunner",
    "JobHandle",
    "RunnerStats",
    "configure",
    "drain",
    "run_async_in_thread",
    "stats",
]


@dataclass(frozen=True)
class RunnerStats:
    """Counters of one runner; ``queued`` and ``running`` are current values."""

    submitted: int
    queued: int
    running: int
    succeeded: int
    failed: int
    timed_out: int


class JobHandle:
    """A submitted job: wait for it, and read its exception once it is done."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.exception: BaseException | None = None
        """The exception the job raised (a timeout included); ``None`` on success."""
        self._finished = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done; return False if ``timeout`` passed first."""
        return self._finished.wait(timeout)

    def done(self) -> bool:
        return self._finished.is_set()

    def __repr__(self) -> str:
        state = "done" if self.done() else "pending"
        return f"<JobHandle {self.name!r} {state}>"


@dataclass
class _Job:
    async_fn: Callable[..., Awaitable[Any]]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    timeout: float | None
    context: str
    handle: JobHandle


def _format_context(context: Mapping[str, object] | None) -> str:
    if not context:
        return ""
    return " ".join(f"{key}={value}" for key, value in context.items())


async def _guarded(job: _Job) -> None:
    awaitable = job.async_fn(*job.args, **job.kwargs)
    if job.timeout is None:
        await awaitable
    else:
        await asyncio.wait_for(awaitable, job.timeout)


class AsyncThreadRunner:
    """A bounded pool of short-lived worker threads, each job under ``asyncio.run``.

    Worker threads start on demand, up to ``max_concurrency``, and exit as soon as
    the queue is empty. ``default_timeout`` (seconds, ``None`` for no limit) bounds
    each job that is submitted without its own ``_timeout``.
    """

    def __init__(
        self,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        default_timeout: float | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._queue: collections.deque[_Job] = collections.deque()
        self._workers: set[threading.Thread] = set()
        self._max_concurrency = DEFAULT_MAX_CONCURRENCY
        self._default_timeout: float | None = None
        self._submitted = self._running = 0
        self._succeeded = self._failed = self._timed_out = 0
        self.configure(max_concurrency=max_concurrency, default_timeout=default_timeout)

    def configure(self, *, max_concurrency: int, default_timeout: float | None) -> None:
        """Set the bound on running jobs and the timeout of jobs without their own.

        A lower bound takes effect as running jobs finish; no job is interrupted.
        """
        if max_concurrency < 1:
            raise ValueError(
                f"max_concurrency must be at least 1, got {max_concurrency!r}"
            )
        if default_timeout is not None and default_timeout <= 0:
            raise ValueError(
                f"default_timeout must be positive or None, got {default_timeout!r}"
            )
        with self._lock:
            self._max_concurrency = max_concurrency
            self._default_timeout = default_timeout
            self._start_workers()

    def run_async_in_thread(
        self,
        async_fn: Callable[..., Awaitable[Any]],
        /,
        *args: Any,
        _name: str | None = None,
        _context: Mapping[str, object] | None = None,
        _timeout: float | None = None,
        **kwargs: Any,
    ) -> JobHandle:
        """Queue ``async_fn(*args, **kwargs)`` to run under ``asyncio.run``.

        ``_name`` defaults to the function's ``__name__``; ``_context`` holds ids
        that go into every log record about the job; ``_timeout`` (seconds)
        overrides the runner's default timeout for this job.
        """
        name = _name or str(getattr(async_fn, "__name__", type(async_fn).__name__))
        handle = JobHandle(name)
        with self._lock:
            timeout = self._default_timeout if _timeout is None else _timeout
            job = _Job(
                async_fn, args, kwargs, timeout, _format_context(_context), handle
            )
            self._submitted += 1
            self._queue.append(job)
            self._start_workers()
        return handle

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for queued and running jobs to finish.

        Return True when the queue is empty and every worker thread has exited.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                workers = list(self._workers)
                if not workers and not self._queue:
                    return True
            for worker in workers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                worker.join(remaining)
            if time.monotonic() >= deadline:
                with self._lock:
                    return not self._workers and not self._queue

    def stats(self) -> RunnerStats:
        with self._lock:
            return RunnerStats(
                submitted=self._submitted,
                queued=len(self._queue),
                running=self._running,
                succeeded=self._succeeded,
                failed=self._failed,
                timed_out=self._timed_out,
            )

    def _start_workers(self) -> None:
        # Called with the lock held. A new worker takes the oldest queued job.
        wanted = min(len(self._queue), self._max_concurrency - len(self._workers))
        for index in range(wanted):
            worker = threading.Thread(
                target=self._work,
                name=THREAD_NAME_PREFIX + self._queue[index].handle.name,
                daemon=True,
            )
            self._workers.add(worker)
            worker.start()

    def _work(self) -> None:
        current = threading.current_thread()
        job = self._take_next(current, finished=None, outcome="")
        while job is not None:
            current.name = THREAD_NAME_PREFIX + job.handle.name
            outcome = self._run(job)
            job = self._take_next(current, finished=job, outcome=outcome)

    def _take_next(
        self, current: threading.Thread, finished: _Job | None, outcome: str
    ) -> _Job | None:
        """Count the finished job, then take the next one or retire this worker.

        The finished job's handle is released only after its counters are updated
        and this worker has either taken its next job or left the worker set, so
        a caller woken by ``JobHandle.wait`` reads settled counters.
        """
        with self._lock:
            if finished is not None:
                self._running -= 1
                self._record(outcome)
            over_bound = len(self._workers) > self._max_concurrency
            job: _Job | None = None
            if self._queue and not over_bound:
                job = self._queue.popleft()
                self._running += 1
            else:
                self._workers.discard(current)
        if finished is not None:
            finished.handle._finished.set()
        return job

    def _record(self, outcome: str) -> None:
        # Called with the lock held.
        if outcome == "succeeded":
            self._succeeded += 1
        elif outcome == "timed_out":
            self._timed_out += 1
        else:
            self._failed += 1

    def _run(self, job: _Job) -> str:
        """Run one job to completion and return its outcome; never raise."""
        try:
            asyncio.run(_guarded(job))
        except asyncio.TimeoutError as exc:
            job.handle.exception = exc
            logger.warning(
                "notification job %s timed out (job timeout %s s) %s",
                job.handle.name,
                job.timeout,
                job.context,
            )
            return "timed_out"
        except BaseException as exc:
            # A worker thread must survive anything its job raises, SystemExit
            # included, or queued jobs would never run.
            job.handle.exception = exc
            logger.error(
                "notification job %s failed %s: %s: %s",
                job.handle.name,
                job.context,
                type(exc).__name__,
                exc,
                exc_info=exc,
            )
            return "failed"
        return "succeeded"


_default_runner = AsyncThreadRunner()


def run_async_in_thread(
    async_fn: Callable[..., Awaitable[Any]],
    /,
    *args: Any,
    _name: str | None = None,
    _context: Mapping[str, object] | None = None,
    _timeout: float | None = None,
    **kwargs: Any,
) -> JobHandle:
    """Queue ``async_fn(*args, **kwargs)`` on the default runner."""
    return _default_runner.run_async_in_thread(
        async_fn, *args, _name=_name, _context=_context, _timeout=_timeout, **kwargs
    )


def drain(timeout: float) -> bool:
    """Wait for the default runner's jobs; see :meth:`AsyncThreadRunner.drain`."""
    return _default_runner.drain(timeout)


def configure(*, max_concurrency: int, default_timeout: float | None) -> None:
    """Configure the default runner; see :meth:`AsyncThreadRunner.configure`."""
    _default_runner.configure(
        max_concurrency=max_concurrency, default_timeout=default_timeout
    )


def stats() -> RunnerStats:
    """Return the default runner's counters."""
    return _default_runner.stats()
