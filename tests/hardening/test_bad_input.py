"""Bad input: exit 2, one message naming the value and the fix, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hardening_helpers import Completed, call_cli, run_cli, tree_hashes


def assert_usage_error(completed: Completed, *needles: str) -> None:
    assert completed.exit_code == 2
    assert "Traceback" not in completed.stderr
    for needle in needles:
        assert needle in completed.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--sites", "no_such_site"),
        ("--patterns", "modern"),
        ("--contexts", "fiber"),
        ("--conditions", "stormy"),
        ("--sites", ","),
    ],
)
def test_run_rejects_unknown_filter(option: str, value: str, tmp_path: Path) -> None:
    # GIVEN an unknown site, pattern, context or condition
    # WHEN run is started with it
    completed = call_cli("run", option, value, "--out", str(tmp_path / "out"))

    # THEN it exits 2 naming the option, and writes nothing
    assert_usage_error(completed, option)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", ""])
@pytest.mark.parametrize("option", ["--iterations", "--fault-iterations", "--jobs"])
def test_run_rejects_bad_count(option: str, value: str) -> None:
    # GIVEN a zero, negative or non-integer count
    # WHEN run is started with it
    completed = call_cli("run", option, value)

    # THEN argparse exits 2 naming the option and the value
    assert_usage_error(completed, option, repr(value))


@pytest.mark.parametrize("option", ["--warmup", "--fault-warmup"])
def test_run_rejects_negative_warmup(option: str) -> None:
    # GIVEN a negative warm-up count (zero is allowed: measure from the first call)
    # WHEN run is started with it
    completed = call_cli("run", option, "-1")

    # THEN argparse exits 2 naming the option and the value
    assert_usage_error(completed, option, "'-1'")


@pytest.mark.slow
def test_run_rejects_absurd_iterations(tmp_path: Path) -> None:
    # GIVEN an iteration count no run could finish
    # WHEN run is started with it
    completed = run_cli(
        "run", "--iterations", "9" * 20, "--out", str(tmp_path), timeout=120
    )

    # THEN it exits 2 at once
    assert_usage_error(completed, "--iterations")


@pytest.mark.parametrize("value", ["0", "-1", "1e9", "99999999999"])
def test_check_rejects_bad_iterations(value: str) -> None:
    # GIVEN a zero, negative, non-integer or absurd iteration count
    # WHEN check is started with it
    completed = call_cli("check", "os:getcwd", "--iterations", value)

    # THEN it exits 2 naming the value
    assert_usage_error(completed, repr(value))


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("no_such_module_xyz:fn", "not found"),
        ("os:sep", "is not callable"),
        ("os.path:join", "requires arguments"),
        ("leak_tests", "invalid target"),
        ("os:no_such_function", "os:no_such_function"),
    ],
)
def test_check_rejects_bad_target(target: str, needle: str) -> None:
    # GIVEN a target that does not import, is not callable or needs arguments
    # WHEN check is started with it
    completed = call_cli("check", target, "--iterations", "5", "--checkpoints", "2")

    # THEN it exits 2 with a message naming the target
    assert_usage_error(completed, needle)


def test_check_rejects_target_raising_on_import(tmp_path: Path) -> None:
    # GIVEN a file whose import raises
    source = tmp_path / "broken.py"
    source.write_text("raise RuntimeError('broken at import')\ndef f():\n    pass\n")

    # WHEN check is started on a function in it
    completed = run_cli(
        "check", f"{source}:f", "--iterations", "5", "--checkpoints", "2"
    )

    # THEN it exits 2 naming the file and the exception
    assert_usage_error(completed, "broken at import")


def test_report_rejects_unwritable_out(prior_reports: Path, tmp_path: Path) -> None:
    # GIVEN an --out path below a regular file, which no one can create
    blocker = tmp_path / "file"
    blocker.write_text("")
    before = tree_hashes(prior_reports)

    # WHEN a report is rendered there
    completed = call_cli(
        "report", str(prior_reports / "leakcheck.json"), "--out", str(blocker / "x")
    )

    # THEN it exits 2 naming the folder and the fix, and the input is intact
    assert_usage_error(completed, str(blocker / "x"), "--out")
    assert tree_hashes(prior_reports) == before


@pytest.mark.slow
def test_run_rejects_unwritable_out_before_measuring(tmp_path: Path) -> None:
    # GIVEN an --out path below a regular file
    blocker = tmp_path / "file"
    blocker.write_text("")

    # WHEN run is started
    completed = run_cli(
        "run", "--sites", "booking_whatsapp", "--out", str(blocker / "x"), timeout=120
    )

    # THEN it exits 2 before measuring anything
    assert_usage_error(completed, "--out")


BROKEN_FILES = {
    "corrupt.json": "not json at all",
    "truncated.json": '{"schema_version": 1, "kind": "leakcheck", "scen',
    "empty.json": "",
    "list.json": "[1, 2, 3]",
    "null.json": "null",
    "wrong_version.json": json.dumps({"schema_version": 99, "kind": "leakcheck"}),
    "wrong_shape.json": json.dumps({"schema_version": 1, "kind": "leakcheck"}),
    "binary.json": "\udcff\x00\x01",
}


def write_broken(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(BROKEN_FILES[name].encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_report_rejects_broken_results(
    name: str, prior_reports: Path, tmp_path: Path
) -> None:
    # GIVEN a corrupt, truncated or wrong-schema results file, and earlier reports
    broken = write_broken(tmp_path, name)
    before = tree_hashes(prior_reports)

    # WHEN it is rendered into the folder of the earlier reports
    completed = call_cli("report", str(broken), "--out", str(prior_reports))

    # THEN it exits 2 naming the file, and the earlier reports are unchanged
    assert_usage_error(completed, name)
    assert tree_hashes(prior_reports) == before


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_report_rejects_broken_baseline(
    name: str, prior_reports: Path, tmp_path: Path
) -> None:
    # GIVEN valid results and a broken baseline
    results = tmp_path / "results.json"
    shutil.copy(prior_reports / "leakcheck.json", results)
    broken = write_broken(tmp_path, name)
    before = tree_hashes(prior_reports)

    # WHEN the results are compared with the baseline
    completed = call_cli(
        "report", str(results), "--baseline", str(broken), "--out", str(prior_reports)
    )

    # THEN it exits 2 naming the baseline, and the reports are unchanged
    assert_usage_error(completed, name)
    assert tree_hashes(prior_reports) == before


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_merge_rejects_broken_input(
    name: str, prior_reports: Path, tmp_path: Path
) -> None:
    # GIVEN one valid and one broken run document
    broken = write_broken(tmp_path, name)
    before = tree_hashes(prior_reports)

    # WHEN they are merged into the folder of the earlier reports
    completed = call_cli(
        "merge",
        str(prior_reports / "leakcheck.json"),
        str(broken),
        "--out",
        str(prior_reports),
    )

    # THEN it exits 2 naming the broken file, and the reports are unchanged
    assert_usage_error(completed, name)
    assert tree_hashes(prior_reports) == before
