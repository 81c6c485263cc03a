"""Faults inside a short matrix run, and secrets during a run.

Each faulty scenario gets its own verdict while the run completes and writes its
report. Secrets set in the environment stay out of every output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from hardening_helpers import REPO_ROOT, live_descendants

RUN_COMMAND = [sys.executable, "-m", "leak_tests", "run"]
SHORT_RUN = [
    "--sites",
    "booking_whatsapp",
    "--conditions",
    "ok",
    "--no-burst",
    "--jobs",
    "2",
    "--iterations",
    "40",
    "--fault-iterations",
    "20",
    "--warmup",
    "2",
    "--checkpoints",
    "4",
]
TWO_SITES_ONE_JOB = ["--sites", "booking_whatsapp,vendor_invite", "--jobs", "1"]
"""Later options win: one worker, so one pair of servers serves every scenario."""
RUN_TIMEOUT = 900.0
SECRETS = {
    "SMTP_PASSWORD": "smtp-secret-hardening-5e1f",
    "ADMIN_PASSWORD": "admin-secret-hardening-9a2c",
    "ADMIN_TOKEN": "admin-token-hardening-77d0",
    "WHATSAPP_ACCESS_TOKEN": "whatsapp-token-hardening-3b8e",
}
FAULT_VERDICTS = {
    "exit_dispatch": ("error", "exited with code 13"),
    "segfault_dispatch": ("error", "SIGSEGV"),
    "hang_dispatch": ("timeout", "timed out"),
    "thread_dispatch": ("leak", None),
    "fd_dispatch": ("error", "Too many open files"),
    "allocate_dispatch": ("error", "MemoryError"),
}


def run_matrix(out_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUN_COMMAND, *SHORT_RUN, "--out", str(out_dir), *extra],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env={**os.environ, **SECRETS},
    )


def scenarios_by_pattern(out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    document = json.loads((out_dir / "leakcheck.json").read_text())
    grouped: dict[str, list[dict[str, Any]]] = {"fixed": [], "legacy": []}
    for scenario in document["scenarios"]:
        grouped[scenario["pattern"]].append(scenario)
    return grouped


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULT_VERDICTS))
def test_fault_in_matrix_gets_own_verdict(fault: str, tmp_path: Path) -> None:
    # GIVEN a short run whose fixed dispatch is replaced by a faulty one
    extra = ["--fixed-dispatch", f"leak_tests.engine.faults:{fault}", "--timeout", "60"]

    # WHEN the run completes
    completed = run_matrix(tmp_path, *extra)
    grouped = scenarios_by_pattern(tmp_path)
    verdict, needle = FAULT_VERDICTS[fault]

    # THEN the fixed scenario carries the fault, the legacy ones were measured
    assert completed.returncode == 1
    assert [s["verdict"] for s in grouped["fixed"]] == [verdict]
    if needle is not None:
        assert needle in grouped["fixed"][0]["error"]
    assert len(grouped["legacy"]) == 2
    assert all(s["status"] == "ok" for s in grouped["legacy"])
    assert (tmp_path / "leakcheck.html").exists()


@pytest.mark.slow
def test_secrets_absent_from_run_output(tmp_path: Path) -> None:
    # GIVEN distinctive secrets in the environment the service reads settings from
    # WHEN a short run completes, including a crashing scenario
    completed = run_matrix(
        tmp_path, "--fixed-dispatch", "leak_tests.engine.faults:exit_dispatch"
    )
    texts = [completed.stdout, completed.stderr]
    texts += [path.read_text(errors="replace") for path in tmp_path.rglob("*.*")]

    # THEN no secret appears in the output or in any report file
    for secret in SECRETS.values():
        assert all(secret not in text for text in texts)


def _listens(pid: int) -> bool:
    """Tell whether ``pid`` has a listening socket, so the server is ready."""
    try:
        connections = psutil.Process(pid).net_connections(kind="inet")
    except psutil.NoSuchProcess:
        return False
    return any(c.status == psutil.CONN_LISTEN for c in connections)


def wait_for_peer(run: subprocess.Popen[str], name: str) -> psutil.Process:
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline and run.poll() is None:
        for pid in live_descendants(run.pid):
            try:
                command = " ".join(psutil.Process(pid).cmdline())
            except psutil.NoSuchProcess:
                continue
            if f"devservers.{name}" in command and _listens(pid):
                return psutil.Process(pid)
        time.sleep(0.2)
    pytest.fail(f"the run started no {name} server")


@pytest.mark.slow
@pytest.mark.parametrize("peer", ["smtp", "whatsapp"])
def test_peer_killed_mid_run(peer: str, tmp_path: Path) -> None:
    # GIVEN a run measuring e-mail and WhatsApp sites, one server at a time
    run = subprocess.Popen(
        [*RUN_COMMAND, *SHORT_RUN, "--out", str(tmp_path), *TWO_SITES_ONE_JOB],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    # WHEN its peer server is killed by PID once it runs
    server = wait_for_peer(run, peer)
    os.kill(server.pid, signal.SIGKILL)
    _, stderr = run.communicate(timeout=RUN_TIMEOUT)
    exit_code = run.returncode
    assert (tmp_path / "leakcheck.json").exists(), stderr[-3000:]
    document = json.loads((tmp_path / "leakcheck.json").read_text())
    errors = [s for s in document["scenarios"] if s["verdict"] == "error"]

    # THEN the run completes, one scenario names the dead server, the rest ran
    assert exit_code == 1
    assert document["partial"] is False
    assert len(document["scenarios"]) == 6
    assert any(f"{peer} (pid {server.pid})" in s["error"] for s in errors)
    assert len(errors) < len(document["scenarios"])
