"""``python -m leak_tests report``: render saved results again, without re-running."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from leak_tests.errors import RegressionFound
from leak_tests.report import load_benchmark_timings, load_document, write_reports
from leak_tests.report.baseline import Comparison
from leak_tests.report.summary import document_headline


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render leakcheck.json and leakcheck.html from saved results",
        description=(
            "Render the JSON and HTML reports from a saved run document, or from "
            "one result saved by `check --json`, and compare with a baseline."
        ),
    )
    parser.add_argument("results", type=Path, metavar="RESULTS.json")
    add_comparison_options(parser)
    parser.add_argument(
        "--timings",
        type=Path,
        metavar="FILE",
        help="pytest-benchmark --benchmark-json output to show as dispatch timings",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="report folder (default: the folder of RESULTS.json)",
    )
    parser.set_defaults(handler=run)


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--baseline`` and ``--history``, which exclude each other."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="earlier run document to compare with; exit 1 when a scenario got worse",
    )
    group.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="folder of earlier run documents: compare with the newest, chart trends",
    )


def run(args: argparse.Namespace) -> int:
    document = load_document(args.results)
    if args.timings is not None:
        document["timings"] = load_benchmark_timings(args.timings)
    out_dir = args.out if args.out is not None else args.results.parent
    comparison = write_reports(
        document, out_dir, baseline=args.baseline, history=args.history
    )
    print_outcome(document, out_dir, comparison)
    raise_on_regression(comparison)
    return 0


def print_outcome(
    document: dict[str, Any], out_dir: Path, comparison: Comparison | None
) -> None:
    """Write the headline, the report paths and the comparison notes to stdout."""
    sys.stdout.write(f"{document_headline(document)}\n")
    sys.stdout.write(f"wrote {out_dir / 'leakcheck.json'}\n")
    sys.stdout.write(f"wrote {out_dir / 'leakcheck.html'}\n")
    if comparison is None:
        return
    for note in comparison.notes:
        sys.stdout.write(f"note: {note}\n")
    if comparison.baseline_path is None:
        return
    sys.stdout.write(
        f"compared with {comparison.baseline_path}: "
        f"{len(comparison.regressions)} worse, {len(comparison.improvements)} better, "
        f"{len(comparison.new)} new, {len(comparison.missing)} missing\n"
    )


def raise_on_regression(comparison: Comparison | None) -> None:
    """Raise ``RegressionFound`` listing what got worse, if anything did."""
    if comparison is None or not comparison.regressions:
        return
    lines = [
        f"  {change.scenario_id} (Python {change.python}) "
        f"{change.probe or 'verdict'}: {change.before} -> {change.after}"
        for change in comparison.regressions
    ]
    raise RegressionFound(
        f"{len(comparison.regressions)} change(s) worse than the baseline "
        f"{comparison.baseline_path}:\n" + "\n".join(lines)
    )
