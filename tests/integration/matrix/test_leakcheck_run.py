"""``python -m leak_tests run`` end to end: real servers, real child processes."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
BROKEN_HELPER = Path(__file__).with_name("broken_helper.py")
SHORT_RUN = [
    "--iterations", "200",
    "--warmup", "50",
    "--fault-iterations", "20",
    "--fault-warmup", "5",
    "--checkpoints", "5",
    "--jobs", "2",
    "--timeout", "300",
]  # fmt: skip


def _run(out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "100"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "leak_tests",
            "run",
            *SHORT_RUN,
            "--out",
            str(out),
            *options,
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )


def _scenarios(out: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((out / "leakcheck.json").read_text())
    return {scenario["id"]: scenario for scenario in document["scenarios"]}


@pytest.fixture(scope="module")
def short_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("leakcheck")
    completed = _run(
        out,
        "--sites", "vendor_invite,booking_whatsapp",
        "--conditions", "ok",
        "--burst-size", "50",
    )  # fmt: skip
    return completed, out


@pytest.mark.slow
def test_short_run_writes_labelled_scenarios(
    short_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    # GIVEN an e-mail site and a WhatsApp site under both patterns
    _, out = short_run

    # WHEN the document is read
    scenarios = _scenarios(out)

    # THEN every pattern and context has its own labelled scenario
    assert sorted(scenarios) == [
        "booking_whatsapp/fixed/helper/ok",
        "booking_whatsapp/legacy/pool/ok",
        "booking_whatsapp/legacy/thread/ok",
        "vendor_invite/fixed/helper/ok",
        "vendor_invite/legacy/pool/ok",
        "vendor_invite/legacy/thread/ok",
    ]
    scenario = scenarios["vendor_invite/legacy/pool/ok"]
    assert (scenario["site"], scenario["pattern"], scenario["context"]) == (
        "vendor_invite",
        "legacy",
        "pool",
    )
    assert scenario["expected"]["mechanism"]


@pytest.mark.slow
def test_short_run_counts_every_delivery(
    short_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    # GIVEN
    _, out = short_run

    # WHEN
    scenarios = _scenarios(out)

    # THEN each call, warm-up included, reached the tagged recipient once
    for scenario in scenarios.values():
        delivery = scenario["delivery"]
        calls = scenario["extra"]["calls"]
        assert calls >= 250, scenario["id"]
        assert delivery["expected"] == calls, scenario["id"]
        assert delivery["received"] == calls, scenario["id"]
        assert list(delivery["by_recipient"].values()) == [calls], scenario["id"]


@pytest.mark.slow
def test_short_run_writes_calibration_and_bursts(
    short_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    # GIVEN
    completed, out = short_run

    # WHEN
    document = json.loads((out / "leakcheck.json").read_text())

    # THEN
    assert (out / "leakcheck.html").exists()
    assert "empty" in {
        control["name"] for control in document["calibration"]["controls"]
    }
    assert [(b["pattern"], b["context"]) for b in document["bursts"]] == [
        ("fixed", "helper"),
        ("legacy", "thread"),
        ("legacy", "pool"),
    ]
    assert all(burst["delivered"] == 50 for burst in document["bursts"])
    assert "vendor_invite" in completed.stdout


@pytest.mark.slow
def test_broken_fixed_helper_turns_run_red(tmp_path: Path) -> None:
    # GIVEN a fixed helper that leaves a task pending on every call
    dispatch = f"{BROKEN_HELPER}:leave_task_pending"

    # WHEN the matrix runs the fixed pattern with it
    completed = _run(
        tmp_path,
        "--sites", "vendor_invite",
        "--patterns", "fixed",
        "--conditions", "ok",
        "--no-burst",
        "--fixed-dispatch", dispatch,
    )  # fmt: skip

    # THEN the run fails naming the site and the probe that saw it
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert "vendor_invite/fixed/helper/ok: cleanup_skipped" in completed.stdout
    assert "events.task_destroyed" in completed.stdout
