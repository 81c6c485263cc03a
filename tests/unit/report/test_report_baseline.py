import copy
import json
from pathlib import Path

import pytest
from report_documents import make_document

from leak_tests.engine.result import Verdict
from leak_tests.errors import ResultsFileError
from leak_tests.report import write_reports
from leak_tests.report.baseline import compare

SITE = ("booking_whatsapp",)


def test_worse_verdict_is_regression() -> None:
    # GIVEN a baseline where the old pattern was only retained
    baseline = make_document(sites=SITE, legacy_verdict=Verdict.RETAINED)
    current = make_document(sites=SITE, legacy_verdict=Verdict.LEAK)

    # WHEN the runs are compared
    comparison = compare(current, baseline)

    # THEN both old-pattern scenarios regressed as a whole
    worse = {(c.scenario_id, c.probe) for c in comparison.regressions}
    assert ("booking_whatsapp/legacy/thread/ok", None) in worse
    assert ("booking_whatsapp/legacy/pool/ok", None) in worse


def test_better_verdict_is_improvement() -> None:
    # GIVEN a baseline where the old pattern leaked
    baseline = make_document(sites=SITE, legacy_verdict=Verdict.LEAK)
    current = make_document(sites=SITE, legacy_verdict=Verdict.CLEAN)

    # WHEN the runs are compared
    comparison = compare(current, baseline)

    # THEN nothing regressed and the scenarios improved
    assert comparison.regressions == []
    assert len([c for c in comparison.improvements if c.probe is None]) == 2


@pytest.mark.parametrize(
    ("new_slope", "regressed"),
    [(0.10, False), (0.85, False), (0.95, True)],
)
def test_slope_rise_judged_against_noise_and_tolerance(
    new_slope: float, regressed: bool
) -> None:
    # GIVEN a clean scenario whose traced bytes rose from 0.4 B per call
    # (noise floor 0.5 B per call, relative tolerance 25 %)
    baseline = make_document(sites=SITE)
    current = copy.deepcopy(baseline)
    baseline["scenarios"][0]["probes"]["traced_bytes"]["slope_per_iter"] = 0.4
    current["scenarios"][0]["probes"]["traced_bytes"]["slope_per_iter"] = new_slope

    # WHEN the runs are compared
    comparison = compare(current, baseline)

    # THEN only a rise beyond the floor counts
    assert bool(comparison.regressions) is regressed


def test_new_and_missing_scenarios_listed() -> None:
    # GIVEN runs over different sites
    baseline = make_document(sites=("booking_whatsapp",))
    current = make_document(sites=("vendor_invite",))

    # WHEN the runs are compared
    comparison = compare(current, baseline)

    # THEN each side's scenarios are listed by id and Python version
    assert ("vendor_invite/fixed/helper/ok", "3.11.7") in comparison.new
    assert ("booking_whatsapp/fixed/helper/ok", "3.11.7") in comparison.missing


def test_same_id_other_python_not_matched() -> None:
    # GIVEN the same scenarios measured on another Python
    baseline = make_document(sites=SITE, python="3.10.13")
    current = make_document(sites=SITE, python="3.12.1", legacy_verdict=Verdict.ERROR)

    # WHEN the runs are compared
    comparison = compare(current, baseline)

    # THEN nothing is compared across versions
    assert comparison.regressions == []
    assert len(comparison.new) == 3


def test_missing_baseline_is_note(tmp_path: Path) -> None:
    # GIVEN no file where the baseline should be
    missing = tmp_path / "nope.json"

    # WHEN reports are written against it
    comparison = write_reports(
        make_document(sites=SITE), tmp_path / "out", baseline=missing
    )

    # THEN the comparison carries a note and no regression
    assert comparison is not None
    assert comparison.regressions == []
    assert str(missing) in comparison.notes[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"schema_version": 1, "kind": "leakch', "truncated"),
        ("not json at all", "not valid JSON"),
        ('{"schema_version": 7}', "schema_version 7"),
        ('{"schema_version": 1, "kind": "leakcheck"}', "not a valid run document"),
    ],
)
def test_bad_baseline_rejected_and_reports_kept(
    tmp_path: Path, content: str, expected: str
) -> None:
    # GIVEN good reports on disk and a corrupt baseline
    out_dir = tmp_path / "out"
    write_reports(make_document(sites=SITE), out_dir)
    before = (out_dir / "leakcheck.html").read_bytes()
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content)

    # WHEN reports are written against that baseline
    with pytest.raises(ResultsFileError) as caught:
        write_reports(make_document(sites=SITE), out_dir, baseline=baseline)

    # THEN the error names the file and the problem, and the reports are unchanged
    assert str(baseline) in str(caught.value)
    assert expected in str(caught.value)
    assert (out_dir / "leakcheck.html").read_bytes() == before


def test_history_compares_with_newest_and_charts_trend(tmp_path: Path) -> None:
    # GIVEN two earlier runs, the newer one all clean
    history = tmp_path / "history"
    history.mkdir()
    for name, started, verdict in [
        ("a.json", "2026-01-02T03:00:00+00:00", Verdict.LEAK),
        ("b.json", "2026-01-01T03:00:00+00:00", Verdict.CLEAN),
    ]:
        document = make_document(sites=SITE, legacy_verdict=verdict)
        document["environment"]["started_at"] = started
        (history / name).write_text(json.dumps(document))

    # WHEN this run (leaking) is compared with the history
    comparison = write_reports(
        make_document(sites=SITE, legacy_verdict=Verdict.LEAK),
        tmp_path / "out",
        history=history,
    )

    # THEN the newest run by start time is the baseline, so nothing regressed
    assert comparison is not None
    assert comparison.baseline_path == str(history / "a.json")
    assert comparison.regressions == []
    assert [point["label"] for point in comparison.trend] == [
        "b.json",
        "a.json",
        "this run",
    ]
    assert "Trend" in (tmp_path / "out" / "leakcheck.html").read_text()
