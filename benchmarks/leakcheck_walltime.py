"""Wall time of ``make leakcheck`` and of a one-job run, as a markdown section.

Usage: ``.venv/bin/python benchmarks/leakcheck_walltime.py [--iterations N]
[--jobs1-iterations N] [--out DIR]``. The first run is ``make leakcheck`` with
its defaults unless ``--iterations`` is given. The second is
``python -m leak_tests run --jobs 1`` with ``--jobs1-iterations`` measured calls
per ``ok`` scenario, 200 by default. Reports
go to ``--out`` (a temporary folder by default), so ``reports/`` is left alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> tuple[float, int]:
    """Run ``command`` from the project root; return seconds and exit code."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, check=False)
    return time.perf_counter() - started, completed.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--jobs1-iterations", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="leakcheck-walltime-"))

    make = ["make", "leakcheck", f"LEAK_ARGS=--out {out / 'default'}"]
    if args.iterations:
        make.append(f"ITERATIONS={args.iterations}")
    default_s, default_code = timed(make)
    jobs1 = [
        sys.executable, "-m", "leak_tests", "run", "--jobs", "1",
        "--iterations", str(args.jobs1_iterations), "--out", str(out / "jobs1"),
    ]  # fmt: skip
    jobs1_s, jobs1_code = timed(jobs1)

    ok_iterations = args.iterations or "2000 (default)"
    lines = [
        "## Wall time of `make leakcheck`",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}; script `benchmarks/leakcheck_walltime.py`.",
        "",
        "| run | ok iterations | jobs | wall time | exit |",
        "| --- | --- | --- | --- | --- |",
        f"| `make leakcheck` | {ok_iterations} | {os.cpu_count()} "
        f"| {default_s / 60:.1f} min | {default_code} |",
        f"| `run --jobs 1` | {args.jobs1_iterations} | 1 "
        f"| {jobs1_s / 60:.1f} min | {jobs1_code} |",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
