"""Wall time of ``make leakcheck`` and of one-job runs, as a markdown section.

Usage: ``.venv/bin/python benchmarks/leakcheck_walltime.py [--iterations N]
[--compare-sites LIST] [--skip-full] [--out DIR]``.

Three runs, one after another so they never share the CPUs:

1. ``make leakcheck`` with its defaults (``--iterations`` overrides the calls per
   ``ok`` scenario);
2. ``python -m leak_tests run --jobs 1`` on ``--compare-sites`` (``vendor_invite``
   by default) with every other option at its default;
3. the same selection with ``--jobs 2``, so that the one-job figure is read as a
   ratio measured in the same session.

Reports go to ``--out`` (a temporary folder by default), so ``reports/`` is left
alone. Each run's scenario durations are read back from its ``leakcheck.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> tuple[float, int]:
    """Run ``command`` from the project root; return seconds and exit code."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, check=False)
    return time.perf_counter() - started, completed.returncode


def scenario_seconds(out: Path) -> tuple[int, float]:
    """Return the number of scenarios in ``out`` and their summed durations."""
    try:
        document: dict[str, Any] = json.loads(
            (out / "leakcheck.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return 0, 0.0
    scenarios = document.get("scenarios") or []
    return len(scenarios), sum(float(s.get("duration_s") or 0) for s in scenarios)


def row(label: str, jobs: int, seconds: float, code: int, out: Path) -> str:
    count, summed = scenario_seconds(out)
    return (
        f"| {label} | {jobs} | {seconds / 60:.1f} min | {count} "
        f"| {summed / 60:.1f} min | {code} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--compare-sites", default="vendor_invite")
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="leakcheck-walltime-"))

    rows = []
    if not args.skip_full:
        make = ["make", "leakcheck", f"LEAK_ARGS=--out {out / 'default'}"]
        if args.iterations:
            make.append(f"ITERATIONS={args.iterations}")
        seconds, code = timed(make)
        calls = args.iterations or "2000 (default)"
        rows.append(
            row(f"`make leakcheck`, {calls} calls", 2, seconds, code, out / "default")
        )
    for jobs in (1, 2):
        folder = out / f"jobs{jobs}"
        command = [
            sys.executable, "-m", "leak_tests", "run", "--jobs", str(jobs),
            "--sites", args.compare_sites, "--out", str(folder),
        ]  # fmt: skip
        seconds, code = timed(command)
        label = f"`run --sites {args.compare_sites}`, defaults"
        rows.append(row(label, jobs, seconds, code, folder))

    lines = [
        "## Wall time of `make leakcheck`",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}; `benchmarks/leakcheck_walltime.py`, reports in "
        f"`{out}`. Scenario time is the sum of the scenarios' own durations, the "
        "time one job at a time would spend on them.",
        "",
        "| run | jobs | wall time | scenarios | scenario time | exit |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
