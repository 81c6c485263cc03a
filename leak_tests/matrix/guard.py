"""The static guard that a leak run applies to ``app/`` before measuring."""

from __future__ import annotations

from pathlib import Path
from typing import IO


def app_root() -> Path:
    """Return the folder of the installed ``app`` package."""
    import app

    return Path(app.__file__).resolve().parent


def guard_app(stderr: IO[str], root: Path | None = None) -> bool:
    """Scan ``app/``, and write its problems and return True when it has any.

    A problem is the old hand-made loop pattern or a ``run_async_in_thread``
    dispatch whose job no catalog site covers.
    """
    from leak_tests.catalog.scan import scan_path
    from leak_tests.commands.scan import catalog_jobs

    findings = scan_path(root or app_root(), catalog_jobs())
    problems = [finding for finding in findings if finding.is_problem]
    for finding in problems:
        stderr.write(finding.describe() + "\n")
    if problems:
        stderr.write(
            f"scan failed: {len(problems)} problem(s) in {root or app_root()}; "
            "replace the old pattern with run_async_in_thread and add each new "
            "dispatch site to leak_tests/catalog/sites.py\n"
        )
    return bool(problems)
