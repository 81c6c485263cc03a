"""The run document of a matrix run, and writing it through the reports package."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from leak_tests.engine.result import SCHEMA_VERSION
from leak_tests.errors import ResultsFileError
from leak_tests.matrix.settings import MatrixSettings
from leak_tests.report import load_benchmark_timings, write_reports
from leak_tests.report.document import collect_environment

logger = logging.getLogger(__name__)

BENCH_FILE = "bench.json"
"""pytest-benchmark output that ``make bench`` leaves in the report folder."""


def build_document(
    collected: dict[str, Any],
    settings: MatrixSettings,
    started_at: datetime,
    duration_s: float,
    partial: bool,
) -> dict[str, Any]:
    """Return the ``leakcheck`` run document of the scenarios measured so far."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "leakcheck",
        "partial": partial,
        "environment": collect_environment(
            started_at=started_at, duration_s=duration_s
        ),
        "settings": settings.to_dict(),
        "scenarios": list(collected["scenarios"]),
        "calibration": collected["calibration"],
        "bursts": list(collected["bursts"]),
        "timings": None,
        "soak": None,
    }


def write_document(document: dict[str, Any], out_dir: Path) -> list[Path]:
    """Add the timings of ``make bench`` if present, write both reports, and
    return their paths."""
    bench = out_dir / BENCH_FILE
    if bench.exists():
        try:
            document["timings"] = load_benchmark_timings(bench)
        except ResultsFileError as exc:
            logger.warning("timings left out: %s", exc)
    write_reports(document, out_dir)
    return [out_dir / "leakcheck.json", out_dir / "leakcheck.html"]
