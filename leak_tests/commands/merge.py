"""``python -m leak_tests merge``: combine partial runs into one report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from leak_tests.commands.report import (
    add_comparison_options,
    print_outcome,
    raise_on_regression,
)
from leak_tests.report import load_document, merge_documents, write_reports


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "merge",
        help="combine results of several shards or Python versions into one report",
        description=(
            "Merge run documents from CI shards or Python versions into one "
            "report that shows the versions side by side."
        ),
    )
    parser.add_argument("results", type=Path, nargs="+", metavar="RESULTS.json")
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="report folder (reports)"
    )
    add_comparison_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    runs = [(path, load_document(path)) for path in args.results]
    document = merge_documents(runs)
    comparison = write_reports(
        document, args.out, baseline=args.baseline, history=args.history
    )
    print_outcome(document, args.out, comparison)
    raise_on_regression(comparison)
    return 0
