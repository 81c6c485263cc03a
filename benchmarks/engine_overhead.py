"""Measure the engine's overhead and print a markdown section for docs/benchmarks.md.

Each ratio is the wall time of a ``measure`` run over that of a bare loop of the
same calls, both taken in this one process, so that machine-wide noise moves both
alike. The bare loop runs before and after the measured run and the mean of the
two is used. Three jobs are measured, each with every default probe (tracemalloc
on, the default) and with every default probe except ``traced_bytes`` and
``traced_blocks`` (tracemalloc off):

- a thread that does nothing, started and joined;
- a thread running ``asyncio.run`` of ``asyncio.sleep(0)``;
- a thread running ``asyncio.run`` of one ``asyncio.open_connection`` round trip
  to a local echo server, which this script starts on 127.0.0.1 in a child process
  and which responds after ``--echo-delay`` seconds, as a remote peer would.

It then times the parts of one checkpoint (each probe read, the settle wait and
``gc.collect()``) and of the reads made after every call. Run with
``.venv/bin/python benchmarks/engine_overhead.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from leak_tests import measure
from leak_tests.engine.probes import build_probes, probe_names
from leak_tests.engine.probes.fds import count_fds
from leak_tests.engine.probes.threads import count_os_threads
from leak_tests.engine.runner import _Run

UNTRACED_PROBES = [
    name for name in probe_names() if name not in ("traced_bytes", "traced_blocks")
]

_ECHO_SERVER = """
import asyncio, sys

async def echo(reader, writer):
    line = await reader.readline()
    await asyncio.sleep(float(sys.argv[1]))
    writer.write(line)
    await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


@dataclass(frozen=True)
class Overhead:
    """Seconds per call of one job, bare and measured."""

    job: str
    tracemalloc: bool
    calls: int
    bare_s: float
    measured_s: float

    @property
    def ratio(self) -> float:
        return self.measured_s / self.bare_s


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


async def _round_trip(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"ping\n")
        await writer.drain()
        if await reader.readline() != b"ping\n":
            message = f"echo server on port {port} sent an unexpected response"
            raise RuntimeError(message)
    finally:
        writer.close()
        await writer.wait_closed()


def echo_job(port: int) -> Callable[[], None]:
    """Return a job: a thread running one round trip to the echo server."""

    def job() -> None:
        thread = threading.Thread(target=asyncio.run, args=(_round_trip(port),))
        thread.start()
        thread.join()

    return job


@contextmanager
def echo_server(delay: float) -> Iterator[int]:
    """Run the echo server in a child process and yield its port."""
    server = subprocess.Popen(
        [sys.executable, "-c", _ECHO_SERVER, str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(10)


def bare_seconds(fn: Callable[[], None], calls: int) -> float:
    """Return the wall time of a plain loop of ``calls`` calls."""
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - started


def compare(
    job: str, fn: Callable[[], None], calls: int, *, tracemalloc: bool
) -> Overhead:
    """Time a bare loop, a ``measure`` run and a bare loop again."""
    probes = None if tracemalloc else UNTRACED_PROBES
    before = bare_seconds(fn, calls)
    result = measure(fn, iterations=calls, warmup=0, probes=probes)
    after = bare_seconds(fn, calls)
    bare = (before + after) / 2
    return Overhead(job, tracemalloc, calls, bare / calls, result.duration_s / calls)


def checkpoint_seconds(calls: int) -> float:
    """Return the time of one checkpoint: runs with 21 and 1 checkpoints apart."""
    few = measure(plain_job, iterations=calls, warmup=0, checkpoints=1)
    many = measure(plain_job, iterations=calls, warmup=0, checkpoints=21)
    return (many.duration_s - few.duration_s) / 20


def checkpoint_parts(fn: Callable[[], None], rounds: int) -> list[tuple[str, float]]:
    """Return the mean seconds of each step of a checkpoint and of each per-call
    read, with every default probe started and ``fn`` called 200 times first."""
    probes = build_probes()
    run = _Run(probes, settle_timeout=1.0)
    for probe in probes:
        probe.start()
    try:
        for _ in range(200):
            fn()
        steps: list[tuple[str, Callable[[], object]]] = [
            (f"read {type(probe).__name__}", probe.read) for probe in probes
        ]
        steps += [
            ("settle wait (no extra thread)", run.settle),
            ("gc.collect()", gc.collect),
            ("whole checkpoint", lambda: run.checkpoint(1)),
            ("per call: count_fds()", count_fds),
            ("per call: threading.active_count()", threading.active_count),
            ("per call: Run.after_call()", run.after_call),
            ("settle check: count_os_threads()", count_os_threads),
        ]
        return [(name, _mean_seconds(step, rounds)) for name, step in steps]
    finally:
        for probe in reversed(probes):
            probe.stop()


def _mean_seconds(step: Callable[[], object], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        step()
    return (time.perf_counter() - started) / rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls",
        type=int,
        default=2000,
        help="calls per run of the thread jobs (default: 2000)",
    )
    parser.add_argument(
        "--echo-calls",
        type=int,
        default=1000,
        help="calls per run of the echo round trip (default: 1000)",
    )
    parser.add_argument(
        "--echo-delay",
        type=float,
        default=0.008,
        help="seconds the echo server waits before it responds (default: 0.008)",
    )
    args = parser.parse_args(argv)
    rows = []
    with echo_server(args.echo_delay) as port:
        jobs = [
            ("plain thread", plain_job, args.calls),
            ("asyncio.run in thread", asyncio_job, args.calls),
            ("echo round trip in thread", echo_job(port), args.echo_calls),
        ]
        for name, fn, calls in jobs:
            bare_seconds(fn, min(calls, 100))
            for traced in (True, False):
                rows.append(compare(name, fn, calls, tracemalloc=traced))
    per_checkpoint = checkpoint_seconds(args.calls)
    parts = checkpoint_parts(plain_job, 20)
    sys.stdout.write(_markdown(rows, per_checkpoint, parts, args))
    return 0


def _markdown(
    rows: list[Overhead],
    per_checkpoint: float,
    parts: list[tuple[str, float]],
    args: argparse.Namespace,
) -> str:
    command = "python benchmarks/engine_overhead.py " + " ".join(
        f"--{key.replace('_', '-')} {value}" for key, value in vars(args).items()
    )
    lines = [
        "## Engine overhead",
        "",
        f"`{command}` on {os.cpu_count()} CPUs (`nproc`), CPython "
        f"{platform.python_version()}, {platform.system()} {platform.release()} "
        f"({platform.machine()}). Default `measure` settings: no warm-up, 10 "
        "checkpoints; tracemalloc with 1 frame when on. The default probe set "
        "has tracemalloc on.",
        "",
        "| job | tracemalloc | calls | bare loop (µs/call) | measure (µs/call) "
        "| ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.job} | {'on' if row.tracemalloc else 'off'} | {row.calls} "
            f"| {row.bare_s * 1e6:.0f} | {row.measured_s * 1e6:.0f} "
            f"| {row.ratio:.2f}x |"
        )
    lines += [
        "",
        f"Time per checkpoint (runs with 21 and 1 checkpoints apart, divided by "
        f"20): {per_checkpoint * 1e3:.1f} ms.",
        "",
        "| step, all default probes, after 200 plain-thread calls | mean (ms) |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {seconds * 1e3:.3f} |" for name, seconds in parts]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
