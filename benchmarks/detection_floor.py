"""Smallest leak the detection rules find, and false alarms on clean callables.

Measures the calibration controls in child processes through the same runner as
the matrix, each several times. The leaks are bytes of several sizes per call and
one fd per N calls. The clean callables are the empty callable and
``asyncio.run`` in a fresh thread. Prints a markdown section for
docs/benchmarks.md.

    .venv/bin/python benchmarks/detection_floor.py [--iterations 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence

from leak_tests.engine import controls
from leak_tests.engine.result import Result, Verdict

BYTE_SIZES = (1, 2, 4, 6, 8, 16, 64)
FD_INTERVALS = (1, 100, 500, 1000)


def _measure(
    name: str, factory: str, kwargs: dict[str, object], args: argparse.Namespace
) -> Result:
    control = controls.Control(name, factory, Verdict.CLEAN, None, kwargs)
    return controls.run_control(
        control,
        iterations=args.iterations,
        warmup=args.warmup,
        checkpoints=args.checkpoints,
        timeout=args.timeout,
    )


def _leak_rows(args: argparse.Namespace) -> list[str]:
    rows = []
    cases = [
        ("traced_bytes", f"{size} B per call", "leak_bytes", {"size": size})
        for size in args.sizes
    ]
    cases += [
        (
            "fds",
            "1 fd per call" if every == 1 else f"1 fd per {every} calls",
            "leak_fd",
            {"every": every},
        )
        for every in FD_INTERVALS
    ]
    for probe, label, function, kwargs in cases:
        results = [
            _measure(label, f"leak_tests.engine.controls:{function}", kwargs, args)
            for _ in range(args.repeats)
        ]
        verdicts = [r.probes[probe].verdict for r in results if probe in r.probes]
        slopes = [r.probes[probe].slope_per_iter for r in results if probe in r.probes]
        found = sum(1 for verdict in verdicts if verdict is Verdict.LEAK)
        slope = statistics.median(slopes) if slopes else float("nan")
        others = ", ".join(sorted({v.value for v in verdicts if v is not Verdict.LEAK}))
        rows.append(
            f"| {label} | {probe} | {found}/{args.repeats} | {slope:.3g} | "
            f"{others or '-'} |"
        )
    return rows


def _clean_rows(args: argparse.Namespace) -> list[str]:
    rows = []
    for name in ("empty", "fixed_plain"):
        control = controls.find_control(name)
        flagged: list[str] = []
        for _ in range(args.repeats):
            result = _measure(name, control.factory, control.factory_kwargs, args)
            flagged += [
                f"{probe.name}={probe.verdict.value}"
                for probe in result.probes.values()
                if probe.verdict is not Verdict.CLEAN
            ]
        alarms = len(flagged)
        rows.append(
            f"| {name} | {args.repeats} | {alarms} | {', '.join(flagged) or '-'} |"
        )
    return rows


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(BYTE_SIZES),
        help="byte leaks per call to measure",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    leak_rows = _leak_rows(args)
    clean_rows = _clean_rows(args)
    minutes = (time.perf_counter() - started) / 60
    lines = [
        "## Detection floor",
        "",
        f"`benchmarks/detection_floor.py --iterations {args.iterations} --repeats "
        f"{args.repeats}`: each case measured {args.repeats} times in a child "
        f"process, {args.warmup} warm-up calls, {args.checkpoints} checkpoints, "
        f"default noise floors. Python {platform.python_version()} on "
        f"{platform.system()} with {os.cpu_count()} CPUs; {minutes:.1f} minutes.",
        "",
        "| leak | probe | found as leak | median slope per call | other verdicts |",
        "| --- | --- | --- | --- | --- |",
        *leak_rows,
        "",
        "| clean callable | runs | probes flagged | which |",
        "| --- | --- | --- | --- |",
        *clean_rows,
        "",
    ]
    sys.stdout.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
