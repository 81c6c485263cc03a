"""Measure the engine's overhead and print a markdown section for docs/benchmarks.md.

For a plain job and an asyncio job, the ratio is the per-call time of a full-probe
``measure`` run over that of a bare loop of the same calls, both taken in this one
process. The time per checkpoint is the difference between runs with 21 and with
1 checkpoints, divided by 20. Run with
``.venv/bin/python benchmarks/engine_overhead.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import threading
import time
from collections.abc import Callable

from leak_tests import measure


def plain_job() -> None:
    """Start a thread that does nothing and join it."""
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()


async def _sleep_zero() -> None:
    await asyncio.sleep(0)


def asyncio_job() -> None:
    """Run a coroutine with ``asyncio.run`` in a thread and join it."""
    thread = threading.Thread(target=asyncio.run, args=(_sleep_zero(),))
    thread.start()
    thread.join()


def bare_per_call(fn: Callable[[], None], calls: int) -> float:
    """Return the mean seconds per call of a plain loop."""
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls


def measured_per_call(fn: Callable[[], None], calls: int, checkpoints: int) -> float:
    """Return the mean seconds per call of a full-probe ``measure`` run."""
    result = measure(fn, iterations=calls, warmup=0, checkpoints=checkpoints)
    return result.duration_s / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=2000, help="calls per run (default: 2000)"
    )
    args = parser.parse_args(argv)
    rows = []
    for name, job in (
        ("plain thread", plain_job),
        ("asyncio.run in thread", asyncio_job),
    ):
        bare_per_call(job, 100)
        bare = bare_per_call(job, args.calls)
        probed = measured_per_call(job, args.calls, 10)
        rows.append((name, bare, probed))
    few = measured_per_call(plain_job, args.calls, 1) * args.calls
    many = measured_per_call(plain_job, args.calls, 21) * args.calls
    per_checkpoint = (many - few) / 20
    sys.stdout.write(_markdown(rows, per_checkpoint, args.calls))
    return 0


def _markdown(
    rows: list[tuple[str, float, float]], per_checkpoint: float, calls: int
) -> str:
    lines = [
        "## Engine overhead",
        "",
        f"`benchmarks/engine_overhead.py`, {calls} calls per run, CPython "
        f"{platform.python_version()} on {platform.system()} "
        f"({platform.machine()}), all default probes, tracemalloc with 1 frame.",
        "",
        "| job | bare loop (µs/call) | measure (µs/call) | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, bare, probed in rows:
        lines.append(
            f"| {name} | {bare * 1e6:.0f} | {probed * 1e6:.0f} | {probed / bare:.2f}x |"
        )
    lines += [
        "",
        f"Time per checkpoint (two readings of every probe, settle wait and "
        f"`gc.collect()`): {per_checkpoint * 1e3:.1f} ms.",
        "",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
