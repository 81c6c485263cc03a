import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from report_documents import make_document, make_result, validate_report_files

from leak_tests.engine.result import Verdict

SITE = ("booking_whatsapp",)


def _leak_tests(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leak_tests", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _save(path: Path, document: dict[str, object]) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_report_renders_saved_results(tmp_path: Path) -> None:
    # GIVEN a saved run document
    results = _save(tmp_path / "run.json", make_document(sites=SITE))

    # WHEN it is rendered again
    completed = _leak_tests("report", results, "--out", tmp_path / "out")

    # THEN both reports exist and the JSON validates
    assert completed.returncode == 0, completed.stderr
    assert "fixed helper: 1 of 1 scenarios clean" in completed.stdout
    assert (tmp_path / "out" / "leakcheck.html").is_file()
    validate_report_files(tmp_path / "out")


def test_report_renders_bare_check_result(tmp_path: Path) -> None:
    # GIVEN one result as `check --json` saves it
    results = _save(
        tmp_path / "check.json", make_result(verdict=Verdict.LEAK).to_dict()
    )

    # WHEN it is rendered
    completed = _leak_tests("report", results, "--out", tmp_path / "out")

    # THEN it becomes a check document
    assert completed.returncode == 0, completed.stderr
    assert validate_report_files(tmp_path / "out")["kind"] == "check"


def test_report_regression_exits_1(tmp_path: Path) -> None:
    # GIVEN a baseline where the old pattern was clean
    baseline = _save(
        tmp_path / "base.json", make_document(sites=SITE, legacy_verdict=Verdict.CLEAN)
    )
    results = _save(tmp_path / "run.json", make_document(sites=SITE))

    # WHEN this leaking run is compared with it
    completed = _leak_tests(
        "report", results, "--baseline", baseline, "--out", tmp_path / "out"
    )

    # THEN the command fails with 1 and names what got worse
    assert completed.returncode == 1
    assert "booking_whatsapp/legacy/thread/ok" in completed.stderr
    assert "clean -> leak" in completed.stderr


def test_report_corrupt_baseline_exits_2(tmp_path: Path) -> None:
    # GIVEN a truncated baseline
    baseline = tmp_path / "base.json"
    baseline.write_text(json.dumps(make_document(sites=SITE))[:500])
    results = _save(tmp_path / "run.json", make_document(sites=SITE))

    # WHEN a report is rendered against it
    completed = _leak_tests(
        "report", results, "--baseline", baseline, "--out", tmp_path / "out"
    )

    # THEN the command fails with 2, names the file, and writes nothing
    assert completed.returncode == 2
    assert str(baseline) in completed.stderr
    assert not (tmp_path / "out").exists()


def test_merge_command_side_by_side(tmp_path: Path) -> None:
    # GIVEN shards from two Python versions
    first = _save(tmp_path / "a.json", make_document(sites=SITE, python="3.10.13"))
    second = _save(tmp_path / "b.json", make_document(sites=SITE, python="3.13.0"))

    # WHEN they are merged
    completed = _leak_tests("merge", first, second, "--out", tmp_path / "out")

    # THEN the merged report contains both versions
    assert completed.returncode == 0, completed.stderr
    merged = validate_report_files(tmp_path / "out")
    assert {s["python"] for s in merged["scenarios"]} == {"3.10.13", "3.13.0"}


def test_merge_duplicate_exits_2(tmp_path: Path) -> None:
    # GIVEN two shards with the same scenarios on the same Python
    first = _save(tmp_path / "a.json", make_document(sites=SITE))
    second = _save(tmp_path / "b.json", make_document(sites=SITE))

    # WHEN they are merged
    completed = _leak_tests("merge", first, second, "--out", tmp_path / "out")

    # THEN the command fails naming both files
    assert completed.returncode == 2
    assert str(first) in completed.stderr
    assert str(second) in completed.stderr


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from leak_tests.report.atomic import atomic_write

    def chunks():
        yield b"half of the new report"
        sys.stdout.write("writing\\n")
        sys.stdout.flush()
        time.sleep(60)
        yield b"never written"

    atomic_write(Path(sys.argv[1]), chunks())
    """
)


def test_killed_writer_leaves_previous_report(tmp_path: Path) -> None:
    # GIVEN a good report and a child process halfway through replacing it
    target = tmp_path / "leakcheck.html"
    target.write_bytes(b"previous report")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"

    # WHEN the child is killed mid-write
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()

    # THEN the previous report is intact; only a hidden temporary file remains
    assert target.read_bytes() == b"previous report"
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(name.startswith(".leakcheck.html.") for name in leftovers)
