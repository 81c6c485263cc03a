"""The soak section of the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report_documents import make_document

from leak_tests.report import write_reports


def _soak_summary(pattern: str) -> dict[str, Any]:
    return {
        "pattern": pattern,
        "verdict": "clean",
        "verdicts": {"rss": {"verdict": "clean", "reason": "flat"}},
        "high_watermarks": {"rss": 92.5 * 1024 * 1024, "threads": 28.0, "fds": 66.0},
        "final": {"rss": 92.2 * 1024 * 1024, "threads": 6, "fds": 12},
        "traffic": {"rps": 20.0, "errors": 0, "latency": {"p50_ms": 96.7}},
        "delivery": {"delivered_messages": 3068, "expected_messages": 3068, "lost": 0},
    }


def test_soak_table_lists_each_pattern(tmp_path: Path) -> None:
    # GIVEN a run document with a soak of both patterns
    document = make_document()
    samples = [{"t_s": 0.5, "rss": 1.0, "uss": 1.0, "threads": 4, "fds": 9}]
    document["soak"] = {
        "patterns": {p: _soak_summary(p) for p in ("fixed", "legacy")},
        "samples": {"fixed": samples, "legacy": samples},
        "settings": {"duration": 120},
    }

    # WHEN the reports are written
    write_reports(document, tmp_path)

    # THEN the soak table shows each pattern with its figures in MiB
    html = (tmp_path / "leakcheck.html").read_text()
    assert '<table class="soak">' in html
    assert "<td>legacy</td>" in html
    assert "92.5 MiB / 92.2 MiB" in html
    assert "3068 of 3068" in html
