"""Time writing the JSON and HTML reports of a saved run, as a markdown section.

Usage: ``.venv/bin/python benchmarks/report_render.py RESULTS [--repeats N]``.

``RESULTS`` is a ``leakcheck.json`` written by ``python -m leak_tests run``. The
script validates it and writes both reports ``--repeats`` times into a temporary
folder. It prints the median time and the file sizes. It also prints the median
as a share of the run's own duration, a ratio that holds on fast and slow
machines alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from leak_tests.report import load_document, write_reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    document = load_document(args.results)

    seconds = []
    with tempfile.TemporaryDirectory(prefix="report-render-") as tmp:
        out = Path(tmp)
        for _ in range(max(1, args.repeats)):
            started = time.perf_counter()
            write_reports(document, out)
            seconds.append(time.perf_counter() - started)
        html_bytes = (out / "leakcheck.html").stat().st_size
        json_bytes = (out / "leakcheck.json").stat().st_size

    median = statistics.median(seconds)
    run_seconds = (document.get("environment") or {}).get("duration_s")
    share = f"{100 * median / run_seconds:.2f} %" if run_seconds else "unknown"
    scenarios = len(document.get("scenarios") or [])
    controls = len((document.get("calibration") or {}).get("controls") or [])
    lines = [
        "## Writing the reports",
        "",
        f"`benchmarks/report_render.py {args.results} --repeats {args.repeats}` on "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs: both reports "
        f"of a run with {scenarios} scenarios and {controls} calibration controls.",
        "",
        "| median write | fastest | slowest | HTML | JSON | share of the run |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {median:.2f} s | {min(seconds):.2f} s | {max(seconds):.2f} s "
        f"| {html_bytes / 1e6:.2f} MB | {json_bytes / 1e6:.2f} MB | {share} |",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
