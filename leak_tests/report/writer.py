"""Validate a run document, compare it with a baseline and write its reports."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from leak_tests.errors import OutputError
from leak_tests.report.atomic import ensure_writable_dir
from leak_tests.report.baseline import (
    Comparison,
    compare,
    load_baseline,
    load_history,
    trend_point,
)
from leak_tests.report.document import (
    fill_environment,
    validate_document,
)
from leak_tests.report.html import HTML_NAME, write_html
from leak_tests.report.json import write_json

logger = logging.getLogger(__name__)


def write_reports(
    document: dict[str, Any],
    out_dir: Path,
    *,
    baseline: Path | None = None,
    history: Path | None = None,
) -> Comparison | None:
    """Validate ``document`` and write ``leakcheck.json`` and ``leakcheck.html``.

    Fills the environment block when missing. With ``baseline`` (a run
    document) or ``history`` (a folder of them), compares this run with the
    baseline and returns the comparison. In a history, the newest run by
    ``environment.started_at`` is the baseline. A missing baseline becomes a
    note in the comparison. Everything
    is read and checked before any file is written, so a ``ResultsFileError``
    (invalid document or baseline) or ``OutputError`` (unwritable folder)
    leaves existing reports untouched.
    """
    fill_environment(document)
    validate_document(document)
    comparison = _comparison(document, baseline=baseline, history=history)
    ensure_writable_dir(out_dir)

    json_path = write_json(document, out_dir)
    try:
        write_html(document, out_dir, comparison)
    except Exception as exc:
        # The JSON contains every result, so the page can be drawn again from it.
        logger.debug("rendering %s failed", out_dir / HTML_NAME, exc_info=True)
        raise OutputError(
            f"could not write {str(out_dir / HTML_NAME)!r}: {exc!r}; the results "
            f"are in {str(json_path)!r}, so draw the page again with `python -m "
            f"leak_tests report {json_path} --out {out_dir}`"
        ) from exc
    return comparison


def _comparison(
    document: dict[str, Any], *, baseline: Path | None, history: Path | None
) -> Comparison | None:
    if baseline is None and history is None:
        return None
    runs: list[tuple[Path, dict[str, Any]]] = []
    if history is not None:
        started = document["environment"].get("started_at")
        runs = [
            run
            for run in load_history(history)
            if run[1]["environment"].get("started_at") != started
        ]
    source: Path | None = baseline
    previous: dict[str, Any] | None = None
    if baseline is not None:
        previous = load_baseline(baseline)
    elif runs:
        source, previous = runs[-1]
    else:
        source = history
    if previous is None:
        comparison = Comparison(baseline_path=None)
        comparison.notes.append(
            f"no baseline found at {str(source)!r}; nothing compared"
        )
    else:
        comparison = compare(document, previous, baseline_path=str(source))
    comparison.trend = [trend_point(run, str(path.name)) for path, run in runs]
    comparison.trend.append(trend_point(document, "this run"))
    return comparison
