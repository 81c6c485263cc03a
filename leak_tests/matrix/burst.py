"""Burst of dispatches fired without waiting, sampled while they run.

Run in its own process as ``python -m leak_tests.matrix.burst REQUEST_JSON``. It
builds the scenario with ``build_scenario(**kwargs)``, starts ``size``
dispatches and waits for all of them. Then it prints one JSON line of figures.
These are the peak threads, fds and live event loops, sampled from a thread while
the burst runs, and the seconds from the last start until every dispatch
finished. The log records by level count the failed and timed-out sends.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

SAMPLE_INTERVAL_S = 0.005


class PeakSampler:
    """Samples threads, fds and live event loops from a thread until stopped."""

    def __init__(self, interval: float = SAMPLE_INTERVAL_S) -> None:
        self.interval = interval
        self.peaks = {"peak_threads": 0, "peak_fds": 0, "peak_loops": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="burst-sampler")

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        loops = sum(
            isinstance(obj, asyncio.AbstractEventLoop) for obj in gc.get_objects()
        )
        figures = {
            "peak_threads": threading.active_count(),
            "peak_fds": len(os.listdir("/proc/self/fd")),
            "peak_loops": loops,
        }
        for key, value in figures.items():
            self.peaks[key] = max(self.peaks[key], value)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
        self.sample()


def fire(start: Callable[[], Callable[[], object]], size: int) -> dict[str, Any]:
    """Start ``size`` dispatches, then wait for all; return peaks and drain time."""
    with PeakSampler() as sampler:
        waiters = [start() for _ in range(size)]
        fired = time.perf_counter()
        for wait in waiters:
            wait()
        drain_s = time.perf_counter() - fired
    return {**sampler.peaks, "drain_s": drain_s, "size": size}


def run_burst_process(
    kwargs: dict[str, Any], size: int, timeout: float
) -> dict[str, Any]:
    """Run one burst in a child process and return its figures."""
    request = json.dumps({"kwargs": kwargs, "size": size})
    completed = subprocess.run(
        [sys.executable, "-m", "leak_tests.matrix.burst", request],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        tail = completed.stderr[-2000:]
        raise RuntimeError(f"burst process exited {completed.returncode}: {tail}")
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str]) -> int:
    """Run the burst that the JSON request describes.

    The fd limit is raised first, because each loop of a burst uses 3 fds and its
    connection one more.
    """
    from leak_tests.catalog.scenarios import build_scenario
    from leak_tests.engine.child import set_limits

    request = json.loads(argv[1])
    set_limits(None)
    scenario = build_scenario(**request["kwargs"])
    try:
        figures = fire(scenario.dispatcher.start, int(request["size"]))
    finally:
        scenario.close()
    figures["log_records"] = scenario.extra()["log_records"]
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
