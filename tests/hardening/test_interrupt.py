"""SIGINT and SIGTERM to ``leak_tests run``: children stop, results are partial."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from hardening_helpers import REPO_ROOT, alive, live_descendants, tree_hashes

START_TIMEOUT = 180.0
"""Seconds to wait for the run's first measured child on a busy machine."""
STOP_TIMEOUT = 60.0
"""Seconds the run may take to stop after the signal."""
INTERRUPTED_BANNER = "This run was interrupted"


def start_run(out_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leak_tests",
            "run",
            "--sites",
            "booking_whatsapp",
            "--conditions",
            "ok",
            "--no-burst",
            "--jobs",
            "1",
            "--out",
            str(out_dir),
        ],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_children(run: subprocess.Popen[bytes]) -> set[int]:
    """Return every descendant seen once at least one child runs."""
    seen: set[int] = set()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and run.poll() is None:
        seen.update(live_descendants(run.pid))
        if seen:
            time.sleep(1.0)
            seen.update(live_descendants(run.pid))
            return seen
        time.sleep(0.2)
    pytest.fail("the run started no child process in time")


def stop_all(pids: set[int]) -> None:
    for pid in alive(sorted(pids)):
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).kill()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_interrupted_run_stops_children(
    signum: signal.Signals, prior_reports: Path
) -> None:
    # GIVEN a run measuring its first children, in a folder with earlier reports
    before = tree_hashes(prior_reports)
    run = start_run(prior_reports)
    pids = wait_for_children(run)

    # WHEN it is interrupted
    run.send_signal(signum)
    try:
        exit_code = run.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pids.update(live_descendants(run.pid))
        run.kill()
        run.wait()
        exit_code = None
    time.sleep(1.0)
    orphans = alive(sorted(pids))
    stop_all(pids)

    # THEN it stops in time and leaves no child running
    assert exit_code == 130
    assert orphans == []
    # AND the earlier reports are intact, the partial ones written beside them
    after = tree_hashes(prior_reports)
    assert {name: after[name] for name in before} == before
    partial = prior_reports / "partial"
    document = json.loads((partial / "leakcheck.json").read_text())
    assert document["partial"] is True
    html = (partial / "leakcheck.html").read_text()
    assert INTERRUPTED_BANNER in html
