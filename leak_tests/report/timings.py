"""Per-dispatch latencies read from pytest-benchmark's ``--benchmark-json`` output."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from leak_tests.errors import ResultsFileError

logger = logging.getLogger(__name__)

LABELS = ("site", "pattern", "context")
MICROSECONDS = 1e6


def load_benchmark_timings(path: Path) -> list[dict[str, Any]]:
    """Read a pytest-benchmark JSON file into rows of the document's ``timings``.

    Each benchmark must name its ``site``, ``pattern`` and ``context`` in
    ``extra_info`` (``benchmark.extra_info[...] = ...``) or in its parametrize
    ``params``; benchmarks without them are skipped and logged. pytest-benchmark
    stores seconds, and the rows hold microseconds. Raises ``ResultsFileError``
    when the file is missing or is not pytest-benchmark output.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsFileError(
            f"benchmark file {str(path)!r} not found; write it with "
            "pytest --benchmark-json=FILE"
        ) from exc
    except (OSError, ValueError) as exc:
        raise ResultsFileError(
            f"benchmark file {str(path)!r} is not readable JSON: {exc}"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ResultsFileError(
            f"benchmark file {str(path)!r} has no 'benchmarks' list; it is not "
            "pytest-benchmark --benchmark-json output"
        )
    rows = []
    for benchmark in data["benchmarks"]:
        row = _timing_row(benchmark)
        if row is None:
            logger.info(
                "skipped benchmark %r: no site, pattern and context labels",
                benchmark.get("fullname") or benchmark.get("name"),
            )
            continue
        rows.append(row)
    return rows


def _timing_row(benchmark: dict[str, Any]) -> dict[str, Any] | None:
    labels = {**(benchmark.get("params") or {}), **(benchmark.get("extra_info") or {})}
    if not all(isinstance(labels.get(name), str) for name in LABELS):
        return None
    stats = benchmark.get("stats") or {}
    return {
        **{name: labels[name] for name in LABELS},
        "mean_us": _microseconds(stats.get("mean")),
        "median_us": _microseconds(stats.get("median")),
        "stddev_us": _microseconds(stats.get("stddev")),
        "rounds": stats.get("rounds"),
    }


def _microseconds(seconds: Any) -> float | None:
    return float(seconds) * MICROSECONDS if isinstance(seconds, (int, float)) else None
