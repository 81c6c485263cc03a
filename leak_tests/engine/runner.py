"""The measuring loop: baseline, warm-up, measured calls and checkpoints.

``measure`` takes a synchronous zero-argument callable. Async code is run the way
the caller chooses, for example ``measure(lambda: asyncio.run(job()))`` or a
function that starts a thread which runs its own loop.
"""

from __future__ import annotations

import gc
import logging
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from leak_tests.engine import attribution
from leak_tests.engine.probes import Probe, build_probes
from leak_tests.engine.probes.fds import count_fds, list_fds
from leak_tests.engine.probes.threads import count_os_threads
from leak_tests.engine.probes.traced import TracedMemoryProbe
from leak_tests.engine.result import (
    ProbeKind,
    ProbeResult,
    Reading,
    Result,
    Status,
    Verdict,
)
from leak_tests.errors import UsageError

logger = logging.getLogger(__name__)

SETTLE_FIRST_WAIT_S = 0.001
SETTLE_MAX_WAIT_S = 0.1
"""Bounds of the capped exponential backoff used while threads finish."""


class _Run:
    """State of one measurement: probes, readings and per-call maxima."""

    def __init__(self, probes: list[Probe], settle_timeout: float) -> None:
        self.probes = probes
        self.settle_timeout = settle_timeout
        self.specs = {spec.name: spec for probe in probes for spec in probe.specs}
        self._raw_readings: dict[str, list[tuple[int, float, float]]] = {
            name: [] for name in self.specs
        }
        self.high_watermarks: dict[str, float] = {}
        self.track_fds = "fds" in self.specs
        self.track_threads = "py_threads" in self.specs
        self.baseline_threads = threading.active_count()
        self.baseline_os_threads = count_os_threads()
        self.baseline_thread_idents: set[int | None] = set()
        self.baseline_fds: list[int] = []
        self.calls = 0

    @property
    def readings(self) -> dict[str, list[Reading]]:
        """Readings per probe name, in checkpoint order.

        Checkpoints store plain tuples, and the ``Reading`` objects are built
        here on request. On CPython 3.10 a dataclass instance allocates its
        ``__dict__`` in the generated ``__init__``, whose file is ``<string>``.
        A ``Reading`` kept during the run would then count as traced growth of
        one block per probe per checkpoint, but a tuple built in this module
        does not count.
        """
        return {
            name: [Reading(*raw) for raw in raws]
            for name, raws in self._raw_readings.items()
        }

    def read_all(self) -> dict[str, float]:
        values: dict[str, float] = {}
        for probe in self.probes:
            values.update(probe.read())
        return values

    def checkpoint(self, iteration: int, *, reset_counters: bool = False) -> None:
        """Read every probe as found, then after settling and collection.

        ``reset_counters`` zeroes the event counters after the collection, so
        that events of the warm-up calls, including those the collection
        itself sets off, stay out of the measured phase.
        """
        # The probes allocate while reading. An automatic collection set off by
        # them would release garbage-held fds and loops before the fd and object
        # probes see them, so the as-found read runs with gc paused.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            before = self.read_all()
        finally:
            if was_enabled:
                gc.enable()
        self.settle()
        clear_interpreter_caches()
        gc.collect()
        if reset_counters:
            for probe in self.probes:
                probe.reset()
        after = self.read_all()
        if reset_counters:
            before.update(
                {
                    n: after[n]
                    for n, s in self.specs.items()
                    if s.kind is ProbeKind.COUNTER
                }
            )
        for name, raws in self._raw_readings.items():
            # float() copies values allocated elsewhere (psutil ints) into this
            # module, whose allocations tracemalloc readings leave out.
            before_gc = float(before[name])
            after_gc = float(after[name])
            raws.append((iteration, before_gc, after_gc))
            self._raise_watermark(name, max(before_gc, after_gc))

    def settle(self) -> None:
        """Wait, with capped exponential backoff, for extra threads to finish."""
        deadline = time.monotonic() + self.settle_timeout
        wait = SETTLE_FIRST_WAIT_S
        while time.monotonic() < deadline:
            if (
                threading.active_count() <= self.baseline_threads
                and count_os_threads() <= self.baseline_os_threads
            ):
                return
            time.sleep(min(wait, max(deadline - time.monotonic(), 0.0)))
            wait = min(wait * 2, SETTLE_MAX_WAIT_S)

    def after_call(self) -> None:
        """Count the call and raise the fd and thread maxima (cheap reads)."""
        self.calls += 1
        # Inlined _raise_watermark: this runs after every call.
        high_watermarks = self.high_watermarks
        if self.track_fds:
            fds = count_fds()
            if fds > high_watermarks.get("fds", -1):
                high_watermarks["fds"] = fds
        if self.track_threads:
            threads = threading.active_count()
            if threads > high_watermarks.get("py_threads", -1):
                high_watermarks["py_threads"] = threads

    def _raise_watermark(self, name: str, value: float) -> None:
        if value > self.high_watermarks.get(name, float("-inf")):
            self.high_watermarks[name] = value


def clear_interpreter_caches() -> None:
    """Empty CPython's caches that keep objects of earlier calls.

    CPython's reference-leak hunter (``Lib/test/libregrtest/refleak.py``) also
    empties the type cache before each reading. The type attribute cache keeps a
    strong reference to the name of each of its 4,096 most recent lookups. Code
    that builds a new name for each lookup fills it one string at a time. The
    meta-path finder of setuptools' ``_distutils_hack`` does so on every failed
    top-level import: on CPython 3.11, 2,000 failed imports in fresh threads left
    89 blocks, 4,000 left 275, and more left no more. ``re`` keeps up to 512
    compiled patterns, and each e-mail compiles one from its random boundary.
    Both caches are bounded, but over a few hundred calls they read as steady
    growth of traced bytes and blocks, so every after-collection reading is taken
    with both emptied.
    """
    clear = getattr(sys, "_clear_internal_caches", None) or getattr(
        sys, "_clear_type_cache", None
    )
    if clear is not None:
        clear()
    re.purge()


def checkpoint_iterations(iterations: int, checkpoints: int) -> list[int]:
    """Return the measured-call counts at which checkpoints are taken.

    There is always one at 0 and one at ``iterations``; the rest are evenly
    spaced, and duplicates (more checkpoints than calls) are dropped.
    """
    if iterations <= 0:
        return [0]
    steps = max(1, min(checkpoints, iterations))
    return sorted({round(i * iterations / steps) for i in range(steps + 1)})


def measure(
    fn: Callable[[], object],
    *,
    iterations: int = 2000,
    warmup: int = 100,
    checkpoints: int = 10,
    probes: Iterable[str] | None = None,
    pause_gc: bool = False,
    settle_timeout: float = 1.0,
    tracemalloc_frames: int = 1,
    name: str | None = None,
) -> Result:
    """Run ``fn`` ``warmup + iterations`` times under probes and return the result.

    A baseline is read before the first warm-up call, then at measured call 0 and
    at ``checkpoints`` evenly spaced points. ``pause_gc`` disables the garbage
    collector between checkpoints, so objects released only by collection grow
    linearly. An exception from ``fn`` ends the run with status ``error``, its
    traceback and the readings taken so far. Raises ``UsageError`` for invalid
    arguments.
    """
    _check_arguments(iterations, warmup, checkpoints, settle_timeout)
    result = Result(
        target=name or _describe(fn),
        iterations=iterations,
        warmup=warmup,
        checkpoints=checkpoints,
        settings={
            "pause_gc": pause_gc,
            "settle_timeout": settle_timeout,
            "tracemalloc_frames": tracemalloc_frames,
            "probes": None if probes is None else list(probes),
        },
    )
    run = _Run(build_probes(probes, frames=tracemalloc_frames), settle_timeout)
    started = time.perf_counter()
    _run_phases(fn, run, result, pause_gc=pause_gc)
    result.duration_s = time.perf_counter() - started
    result.calls_completed = run.calls
    result.probes = _probe_results(run)
    from leak_tests.engine import detect

    return detect.judge(result)


def _run_phases(
    fn: Callable[[], object], run: _Run, result: Result, *, pause_gc: bool
) -> None:
    gc_was_enabled = gc.isenabled()
    for probe in run.probes:
        probe.start()
    traced = next((p for p in run.probes if isinstance(p, TracedMemoryProbe)), None)
    tracker = attribution.Tracker(traced)
    try:
        _call_all(fn, run, result, tracker, pause_gc=pause_gc)
    except Exception:
        result.status = Status.ERROR
        result.verdict = Verdict.ERROR
        result.error = traceback.format_exc()
        logger.debug("measured callable %s raised", result.target, exc_info=True)
    finally:
        if gc_was_enabled:
            gc.enable()
        if result.status is Status.OK:
            tracker.collect(fn, run, result)
        for probe in reversed(run.probes):
            probe.stop()
        tracker.finish()


def _call_all(
    fn: Callable[[], object],
    run: _Run,
    result: Result,
    tracker: attribution.Tracker,
    *,
    pause_gc: bool,
) -> None:
    gc.collect()
    run.baseline_thread_idents = {thread.ident for thread in threading.enumerate()}
    run.baseline_fds = list_fds()
    run.checkpoint(-result.warmup if result.warmup else -1)
    for _ in range(result.warmup):
        fn()
        run.after_call()
    marks = checkpoint_iterations(result.iterations, result.checkpoints)
    run.checkpoint(0, reset_counters=True)
    tracker.mark_first()
    next_mark = 1
    if pause_gc:
        gc.disable()
    for iteration in range(1, result.iterations + 1):
        fn()
        run.after_call()
        if iteration == marks[next_mark]:
            run.checkpoint(iteration)
            next_mark += 1
    tracker.mark_last()


def _probe_results(run: _Run) -> dict[str, ProbeResult]:
    results = {}
    for name, readings in run.readings.items():
        if not readings:
            continue
        spec = run.specs[name]
        measured = [r for r in readings if r.iteration >= 0] or readings[:1]
        samples = [max(r.before_gc, r.after_gc) for r in readings]
        high_watermark = max([*samples, run.high_watermarks.get(name, samples[0])])
        results[name] = ProbeResult(
            name=name,
            unit=spec.unit,
            kind=spec.kind,
            readings=list(readings),
            baseline=readings[0].after_gc,
            first=measured[0].after_gc,
            last=measured[-1].after_gc,
            delta=measured[-1].after_gc - measured[0].after_gc,
            high_watermark=high_watermark,
            slope_per_iter=theil_sen_slope(
                [(r.iteration, r.after_gc) for r in measured]
            ),
            slope_before_gc_per_iter=theil_sen_slope(
                [(r.iteration, r.before_gc) for r in measured]
            ),
        )
    return results


def theil_sen_slope(points: list[tuple[float, float]]) -> float:
    """Return the median of the pairwise slopes (Theil-Sen), or 0 for < 2 points.

    One outlying reading moves this estimate far less than a least-squares fit.
    """
    slopes = sorted(
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    )
    if not slopes:
        return 0.0
    middle = len(slopes) // 2
    if len(slopes) % 2:
        return slopes[middle]
    return (slopes[middle - 1] + slopes[middle]) / 2


def _check_arguments(
    iterations: int, warmup: int, checkpoints: int, settle_timeout: float
) -> None:
    if iterations < 1:
        raise UsageError(f"iterations must be at least 1, got {iterations}")
    if warmup < 0:
        raise UsageError(f"warmup must be 0 or more, got {warmup}")
    if checkpoints < 1:
        raise UsageError(f"checkpoints must be at least 1, got {checkpoints}")
    if settle_timeout < 0:
        raise UsageError(f"settle_timeout must be 0 or more, got {settle_timeout}")


def _describe(fn: Any) -> str:
    module = getattr(fn, "__module__", None) or "?"
    qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}:{qualname}"
