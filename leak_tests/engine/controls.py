"""Calibration controls: callables whose verdict is known before they are measured.

Each factory here is a ``module:function`` that ``measure_isolated`` can import in
a child process. It returns a zero-argument callable, with a ``close()`` where the
run leaves something to release. ``CONTROLS`` declares, for each, the verdict and
probe the detection rules must produce. The empty control also gives the noise
floor that ``detect.judge`` takes.

The event-loop controls rebuild the old pattern (a thread running
``new_event_loop``, ``set_event_loop``, ``run_until_complete(wait_for(...))`` and
``loop.close()``) next to its fix (``asyncio.run`` in a fresh thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from leak_tests.engine import detect
from leak_tests.engine.isolation import measure_isolated
from leak_tests.engine.result import Result, Verdict

JOB_TIMEOUT_S = 5.0
"""``wait_for`` timeout of every control job; none of them comes near it."""

SHORT_SETTLE_S = 0.05
"""Settle wait for controls whose threads outlive every call: the runner waits
this long at each checkpoint for threads that will never end."""

PENDING_SLEEP_S = 3600.0
"""Sleep of a fire-and-forget task: it is always still pending at loop close."""


class _Control:
    """A callable with a ``close()`` that releases what the calls kept."""

    def __init__(self, call: Callable[[], None], close: Callable[[], None]) -> None:
        self._call = call
        self._close = close

    def __call__(self) -> None:
        self._call()

    def close(self) -> None:
        self._close()


def empty() -> Callable[[], None]:
    """Return a callable that does nothing: the noise of the runner itself."""

    def call() -> None:
        return None

    return call


# The traced-memory probe drops allocations made from files of the engine package,
# where this module lives, so the statement that keeps memory is compiled under a
# file name of its own.
_KEEP_SOURCE = "def keep(kept, size):\n    kept.extend(bytes(size))\n"
_KEEP_FILENAME = "<leak-control>"
_namespace: dict[str, Any] = {}
exec(compile(_KEEP_SOURCE, _KEEP_FILENAME, "exec"), _namespace)
_keep: Callable[[bytearray, int], None] = _namespace["keep"]


def leak_bytes(size: int = 8) -> _Control:
    """Return a callable that keeps ``size`` more bytes of one buffer per call.

    The buffer grows by over-allocation, so traced memory rises in steps that
    average ``size`` bytes per call. Allocation sites show ``<leak-control>:2``.
    """
    kept = bytearray()

    def call() -> None:
        _keep(kept, size)

    return _Control(call, kept.clear)


def leak_fd(every: int = 1) -> _Control:
    """Return a callable that opens ``/dev/null`` every ``every`` calls and keeps it."""
    opened: list[int] = []
    calls = 0

    def call() -> None:
        nonlocal calls
        calls += 1
        if calls % every == 0:
            opened.append(os.open(os.devnull, os.O_RDONLY))

    def close() -> None:
        while opened:
            os.close(opened.pop())

    return _Control(call, close)


def leak_thread() -> _Control:
    """Return a callable that starts one thread per call, waiting until ``close()``."""
    release = threading.Event()
    started: list[threading.Thread] = []

    def call() -> None:
        thread = threading.Thread(
            target=release.wait, name=f"control-leak-{len(started)}", daemon=True
        )
        thread.start()
        started.append(thread)

    def close() -> None:
        release.set()
        for thread in started:
            thread.join()
        started.clear()

    return _Control(call, close)


async def _plain_job() -> None:
    await asyncio.sleep(0)


async def _fire_and_forget_job() -> None:
    """Start a task and return without awaiting it, as fire-and-forget code does."""
    asyncio.ensure_future(asyncio.sleep(PENDING_SLEEP_S))  # noqa: RUF006
    await asyncio.sleep(0)


async def _socket_owner() -> None:
    # A pending task and the future it waits on reference each other, so once its
    # loop is gone only the collector frees the task, its frame and this socket.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        await asyncio.sleep(PENDING_SLEEP_S)
    finally:
        sock.close()


async def _socket_job() -> None:
    """Start a task that owns an unconnected socket and closes it in ``finally``."""
    asyncio.ensure_future(_socket_owner())  # noqa: RUF006
    await asyncio.sleep(0)


_JOBS: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
    "plain": _plain_job,
    "pending_task": _fire_and_forget_job,
    "socket_task": _socket_job,
}


def _old_pattern(job: Callable[[], Coroutine[Any, Any, None]]) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(job(), JOB_TIMEOUT_S))
    except asyncio.TimeoutError:
        pass
    finally:
        loop.close()


def _fixed_pattern(job: Callable[[], Coroutine[Any, Any, None]]) -> None:
    async def main() -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(job(), JOB_TIMEOUT_S)

    asyncio.run(main())


def _in_fresh_thread(target: Callable[[], None]) -> None:
    thread = threading.Thread(target=target, name="control-job")
    thread.start()
    thread.join()


def event_loop_job(job: str = "plain", pattern: str = "old") -> Callable[[], None]:
    """Return a callable that runs ``job`` in a fresh thread per call.

    ``pattern`` is ``old`` (the hand-made loop) or ``fixed`` (``asyncio.run``).
    ``job`` is ``plain``, ``pending_task`` (a fire-and-forget task) or
    ``socket_task`` (a fire-and-forget task owning a socket).
    """
    if pattern not in ("old", "fixed"):
        raise ValueError(f"invalid pattern {pattern!r}: use 'old' or 'fixed'")
    if job not in _JOBS:
        raise ValueError(f"invalid job {job!r}: use one of {', '.join(_JOBS)}")
    coroutine_function = _JOBS[job]
    runner = _old_pattern if pattern == "old" else _fixed_pattern

    def call() -> None:
        _in_fresh_thread(lambda: runner(coroutine_function))

    return call


def pool_old_pattern(workers: int = 4) -> _Control:
    """Return a callable that runs the old pattern on every worker of a pool.

    Each call submits ``workers`` plain jobs at once and waits for them, so the
    pool starts all its threads. Each worker keeps its last closed loop through
    ``set_event_loop``: a bounded step of one loop per worker.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="control-pool")

    def call() -> None:
        futures = [pool.submit(_old_pattern, _plain_job) for _ in range(workers)]
        for future in futures:
            future.result()

    return _Control(call, pool.shutdown)


@dataclass(frozen=True)
class Control:
    """A calibration callable and the verdict the rules must give it."""

    name: str
    factory: str
    """``module:function`` for ``measure_isolated``."""
    expected_verdict: Verdict
    expected_probe: str | None
    """Probe that must carry ``expected_verdict``; None means the whole result."""
    factory_kwargs: dict[str, Any] = field(default_factory=dict)
    min_iterations: int = 1
    """Fewest measured calls at which the expected verdict can appear."""
    measure_kwargs: dict[str, Any] = field(default_factory=dict)
    """Runner settings this control needs, such as a short settle wait for
    controls whose threads never end before the run does."""


_HERE = __name__

CONTROLS: tuple[Control, ...] = (
    Control("empty", f"{_HERE}:empty", Verdict.CLEAN, None),
    Control(
        "bytes_8", f"{_HERE}:leak_bytes", Verdict.LEAK, "traced_bytes", {"size": 8}
    ),
    Control(
        "bytes_64", f"{_HERE}:leak_bytes", Verdict.LEAK, "traced_bytes", {"size": 64}
    ),
    Control(
        "bytes_1024",
        f"{_HERE}:leak_bytes",
        Verdict.LEAK,
        "traced_bytes",
        {"size": 1024},
    ),
    Control("fd_per_call", f"{_HERE}:leak_fd", Verdict.LEAK, "fds", {"every": 1}),
    Control(
        "fd_per_500_calls",
        f"{_HERE}:leak_fd",
        Verdict.LEAK,
        "fds",
        {"every": 500},
        min_iterations=2000,
    ),
    Control(
        "thread_per_call",
        f"{_HERE}:leak_thread",
        Verdict.LEAK,
        "py_threads",
        measure_kwargs={"settle_timeout": SHORT_SETTLE_S},
    ),
    Control(
        "pool_closed_loop",
        f"{_HERE}:pool_old_pattern",
        Verdict.RETAINED,
        "objects.EventLoop",
        measure_kwargs={"settle_timeout": SHORT_SETTLE_S},
    ),
    Control(
        "socket_until_collected",
        f"{_HERE}:event_loop_job",
        Verdict.GC_DEPENDENT,
        "fds",
        {"job": "socket_task", "pattern": "old"},
    ),
    Control(
        "task_pending_at_close",
        f"{_HERE}:event_loop_job",
        Verdict.CLEANUP_SKIPPED,
        "events.task_destroyed",
        {"job": "pending_task", "pattern": "old"},
    ),
    Control(
        "fixed_plain",
        f"{_HERE}:event_loop_job",
        Verdict.CLEAN,
        None,
        {"job": "plain", "pattern": "fixed"},
    ),
    Control(
        "fixed_socket_task",
        f"{_HERE}:event_loop_job",
        Verdict.CLEAN,
        None,
        {"job": "socket_task", "pattern": "fixed"},
    ),
    Control(
        "fixed_pending_task",
        f"{_HERE}:event_loop_job",
        Verdict.CLEAN,
        None,
        {"job": "pending_task", "pattern": "fixed"},
    ),
)
"""Every control; the fixed variants replace the pool, the socket and the task."""


def is_detected(control: Control, result: Result) -> bool:
    """Return whether ``result`` carries the verdict that ``control`` expects."""
    if control.expected_probe is None:
        return result.verdict is control.expected_verdict
    probe = result.probes.get(control.expected_probe)
    return probe is not None and probe.verdict is control.expected_verdict


def find_control(name: str) -> Control:
    """Return the control called ``name``; raises ``KeyError`` naming the choices."""
    for control in CONTROLS:
        if control.name == name:
            return control
    choices = ", ".join(control.name for control in CONTROLS)
    raise KeyError(f"no control named {name!r}; choose one of {choices}")


def run_control(
    control: Control,
    *,
    noise_floor: dict[str, float] | None = None,
    timeout: float = 600.0,
    **measure_kwargs: Any,
) -> Result:
    """Measure ``control`` in a child process and judge it with ``noise_floor``.

    ``measure_kwargs`` go to ``measure``; the control's own settings override
    them. The child judges with the default floors, so the result is judged again
    here with the calibrated one.
    """
    settings = {**measure_kwargs, **control.measure_kwargs}
    result = measure_isolated(
        control.factory,
        factory_kwargs=control.factory_kwargs,
        timeout=timeout,
        name=control.name,
        **settings,
    )
    return detect.judge(result, noise_floor=noise_floor)


def calibrate(
    controls: tuple[Control, ...] = CONTROLS,
    *,
    timeout: float = 600.0,
    **measure_kwargs: Any,
) -> dict[str, Any]:
    """Measure the empty control for the noise floor, then every control.

    Returns the ``calibration`` section of the run document: ``noise_floor`` (probe
    name to unit per call) and ``controls``, one entry per control with ``name``,
    ``expected_verdict``, ``expected_probe``, ``detected`` and ``result``. A
    control that needs more calls than ``iterations`` is measured with its
    ``min_iterations``.
    """
    empty_result = run_control(find_control("empty"), timeout=timeout, **measure_kwargs)
    noise_floor = detect.calibrate_noise_floor(empty_result)
    entries = []
    for control in controls:
        settings = dict(measure_kwargs)
        iterations = int(settings.get("iterations", 2000))
        settings["iterations"] = max(iterations, control.min_iterations)
        if control.name == "empty":
            result = detect.judge(empty_result, noise_floor=noise_floor)
        else:
            result = run_control(
                control, noise_floor=noise_floor, timeout=timeout, **settings
            )
        entries.append(
            {
                "name": control.name,
                "expected_verdict": control.expected_verdict.value,
                "expected_probe": control.expected_probe,
                "detected": is_detected(control, result),
                "result": result.to_dict(),
            }
        )
    return {"noise_floor": noise_floor, "controls": entries}
