"""The soak section of the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report_documents import make_document

from leak_tests.report import write_reports
from leak_tests.report.views import soak_charts
from leak_tests.soak.document import soak_document


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


def _soak_only_document() -> dict[str, Any]:
    samples = [
        {"t_s": float(t), "rss": 90.0 * 2**20, "uss": 80.0 * 2**20, "threads": 6}
        for t in range(3)
    ]
    summaries = {p: _soak_summary(p) for p in ("fixed", "legacy")}
    summaries["legacy"]["verdict"] = "retained"
    soak = {
        "patterns": summaries,
        "samples": {"fixed": samples, "legacy": samples},
        "settings": {"duration": 120},
    }
    return soak_document(soak, None, duration_s=250.0)


def test_soak_only_headline_names_soak(tmp_path: Path) -> None:
    # GIVEN a run document that contains a soak and no scenario
    document = _soak_only_document()

    # WHEN the reports are written
    write_reports(document, tmp_path)

    # THEN the headline gives each pattern's soak verdict, not an empty run
    html = (tmp_path / "leakcheck.html").read_text()
    assert "soak: fixed helper clean; old pattern retained" in html
    assert "no scenarios were measured" not in html


def test_soak_only_skips_empty_sections(tmp_path: Path) -> None:
    # GIVEN a soak-only run document
    # WHEN the reports are written
    write_reports(_soak_only_document(), tmp_path)

    # THEN there is no empty scorecard, site list or calibration section
    html = (tmp_path / "leakcheck.html").read_text()
    assert 'id="scorecard"' not in html
    assert 'id="sites"' not in html
    assert 'id="calibration"' not in html
    assert "No known-leak controls ran" not in html
    assert 'id="soak"' in html


def test_soak_only_records_duration(tmp_path: Path) -> None:
    # GIVEN a soak-only run document of a 250 s soak
    # WHEN the reports are written
    write_reports(_soak_only_document(), tmp_path)

    # THEN the environment shows that duration
    html = (tmp_path / "leakcheck.html").read_text()
    assert "250 s (4.2 min)" in html


def test_soak_charts_use_mib() -> None:
    # GIVEN soak samples of about 90 MiB
    document = _soak_only_document()

    # WHEN the charts are drawn
    charts = soak_charts(document)

    # THEN the memory axes are labelled in MiB and carry no 1e7 offset
    rss_chart = charts[0]
    assert "rss (MiB)" in rss_chart
    assert "1e7" not in rss_chart
