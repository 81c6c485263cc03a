"""`python -m leak_tests check`: exit codes, JSON output and argument errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leak_tests.cli import main

TARGETS = """
import os
import time

kept = []

def clean():
    sum(range(10))

def leaky():
    kept.append(os.open(os.devnull, os.O_RDONLY))

def keep_first():
    if not kept:
        kept.append(os.open(os.devnull, os.O_RDONLY))

def slow():
    time.sleep(0.5)

def crash():
    kept.append(None)
    if len(kept) == 5:
        os._exit(3)

def needs(value):
    return value
"""

QUICK = ["--iterations", "30", "--warmup", "2", "--checkpoints", "3"]


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    path = tmp_path / "targets.py"
    path.write_text(TARGETS)
    return path


def run_check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leak_tests", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_check_clean_target_exits_0(targets: Path) -> None:
    # GIVEN a callable that keeps nothing
    # WHEN it is checked with --json
    done = run_check(
        "targets.py:clean", *QUICK, "--json", "out.json", cwd=targets.parent
    )

    # THEN it exits 0, says clean and writes the result
    assert done.returncode == 0, done.stderr
    assert "targets.py:clean: clean over 30 calls" in done.stdout
    document = json.loads((targets.parent / "out.json").read_text())
    assert document["kind"] == "check"
    assert document["verdict"] == "clean"


def test_check_leaking_target_exits_1(targets: Path) -> None:
    # GIVEN a callable that keeps one fd per call
    # WHEN it is checked
    done = run_check("targets.py:leaky", *QUICK, cwd=targets.parent)

    # THEN it exits 1 with the table, the verdict line and the open fds
    assert done.returncode == 1, done.stderr
    assert "targets.py:leaky: leak on fds: fds grew 1 fds per call" in done.stdout
    assert "still open: file /dev/null" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 100


@pytest.mark.parametrize(
    ("fail_on", "code"), [(None, 0), ("retained", 1)], ids=["default", "named"]
)
def test_check_retained_fails_only_when_named(
    targets: Path, fail_on: str | None, code: int
) -> None:
    # GIVEN a callable that keeps one fd from its first call
    extra = [] if fail_on is None else ["--fail-on", fail_on]

    # WHEN it is checked
    done = run_check("targets.py:keep_first", *QUICK, *extra, cwd=targets.parent)

    # THEN retained passes unless --fail-on names it
    assert done.returncode == code, done.stdout + done.stderr
    assert "retained on fds" in done.stdout


def test_check_timeout_writes_json(targets: Path) -> None:
    # GIVEN a callable of 0.5 s per call and a 2 s limit for the whole run
    # WHEN it is checked
    done = run_check(
        "targets.py:slow",
        *QUICK,
        "--timeout",
        "2",
        "--json",
        "t.json",
        cwd=targets.parent,
    )

    # THEN it exits 1 and the JSON records the timeout
    assert done.returncode == 1, done.stderr
    document = json.loads((targets.parent / "t.json").read_text())
    assert document["status"] == "timeout"
    assert document["verdict"] == "timeout"


def test_check_crash_writes_json(targets: Path) -> None:
    # GIVEN a callable that ends its process on the fifth call
    # WHEN it is checked
    done = run_check("targets.py:crash", *QUICK, "--json", "c.json", cwd=targets.parent)

    # THEN it exits 1 and the JSON records the error with the exit code
    assert done.returncode == 1, done.stderr
    document = json.loads((targets.parent / "c.json").read_text())
    assert document["verdict"] == "error"
    assert "exited with code 3" in document["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--iterations", "0"], "invalid iterations '0'"),
        (["--iterations", "-5"], "invalid iterations '-5'"),
        (["--iterations", "10000001"], "invalid iterations '10000001'"),
        (["--iterations", "many"], "invalid iterations 'many'"),
        (["--warmup", "-1"], "invalid warm-up '-1'"),
        (["--checkpoints", "1"], "invalid checkpoints '1'"),
        (["--checkpoints", "1001"], "invalid checkpoints '1001'"),
        (["--timeout", "0"], "invalid timeout '0'"),
        (["--fail-on", "leak,leaky"], "invalid verdict 'leaky'"),
    ],
)
def test_check_rejects_bad_argument(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    # GIVEN an invalid option value
    # WHEN the command line is parsed
    with pytest.raises(SystemExit) as exited:
        main(["check", "any.module:fn", *args])

    # THEN it exits 2 quoting the value
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("targets.py:needs", "requires arguments (value)"),
        ("targets.py:missing", "has no attribute 'missing'"),
        ("absent.py:fn", "file 'absent.py' of target 'absent.py:fn' not found"),
        ("no_such_module_xyz:fn", "module 'no_such_module_xyz' of target"),
        ("targets.py", "invalid target 'targets.py'"),
    ],
)
def test_check_rejects_bad_target_before_spawning(
    targets: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    message: str,
) -> None:
    # GIVEN a target that cannot be measured
    monkeypatch.chdir(targets.parent)

    # WHEN it is checked
    code = main(["check", target, *QUICK])

    # THEN it exits 2 naming the value and the fix
    assert code == 2
    assert message in capsys.readouterr().err


def test_check_rejects_more_checkpoints_than_iterations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN 5 iterations and 10 checkpoints
    # WHEN checked
    code = main(["check", "os:getpid", "--iterations", "5", "--checkpoints", "10"])

    # THEN it exits 2 naming both values
    assert code == 2
    assert (
        "--checkpoints 10: it must not exceed --iterations 5" in capsys.readouterr().err
    )


def test_check_rejects_unwritable_json_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a --json path in a folder that does not exist
    path = tmp_path / "missing" / "out.json"

    # WHEN checked
    code = main(["check", "os:getpid", *QUICK, "--json", str(path)])

    # THEN it exits 2 before measuring
    assert code == 2
    assert "is missing or not writable" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "verdict"), [("clean", "clean"), ("leaky", "leak")])
def test_check_calibrate_judges_with_run_floor(
    targets: Path, name: str, verdict: str
) -> None:
    # GIVEN a clean callable and one keeping an fd per call
    # WHEN each is checked with --calibrate
    done = run_check(
        f"targets.py:{name}", *QUICK, "--calibrate", "--json", "out.json",
        cwd=targets.parent,
    )  # fmt: skip

    # THEN the verdict is unchanged and the JSON keeps the floor it used
    document = json.loads((targets.parent / "out.json").read_text())
    assert document["verdict"] == verdict, done.stdout
    assert "traced_bytes" in document["extra"]["noise_floor"]
    assert "noise of an empty callable" in done.stdout
