"""``python -m leak_tests scan PATH``: list hand-made loops and dispatch sites."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from leak_tests.catalog.scan import Finding, scan_path
from leak_tests.errors import UsageError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="find the old event-loop pattern and dispatches no catalog site covers",
        description=(
            "Walk PATH's Python files and list every new_event_loop, "
            "set_event_loop and run_until_complete call and every "
            "run_async_in_thread dispatch with the catalog site covering it. "
            "Exit 1 when the old pattern or an uncovered dispatch is found."
        ),
    )
    parser.add_argument("path", type=Path, help="a Python file or a directory")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.path
    if not path.exists():
        raise UsageError(f"scan path {str(path)!r} not found; pass a file or directory")
    if path.is_file() and path.suffix != ".py":
        raise UsageError(
            f"scan path {str(path)!r} is not a Python file; pass a .py file or a "
            "directory"
        )
    findings = scan_path(path, catalog_jobs())
    for finding in findings:
        sys.stdout.write(finding.describe() + "\n")
    problems = [finding for finding in findings if finding.is_problem]
    sys.stdout.write(summarize(findings, problems) + "\n")
    return 1 if problems else 0


def catalog_jobs() -> dict[str, str]:
    """Map each catalog site's job function name to the site id."""
    from leak_tests.catalog.sites import SITES

    return {site.job.__name__: site.id for site in SITES.values()}


def summarize(findings: list[Finding], problems: list[Finding]) -> str:
    """Return the closing line: counts of dispatches, old-pattern calls, problems."""
    dispatches = sum(finding.kind == "dispatch" for finding in findings)
    old = sum(finding.kind == "old_pattern" for finding in findings)
    uncovered = sum(
        finding.kind == "dispatch" and finding.site_id is None for finding in findings
    )
    unparsed = sum(finding.kind == "syntax_error" for finding in findings)
    verdict = "FAILED" if problems else "ok"
    return (
        f"{verdict}: {dispatches} dispatch(es), {uncovered} not covered, "
        f"{old} old-pattern call(s), {unparsed} file(s) that cannot be parsed"
    )
