"""The tally of ``scripts/false_alarm_runs.py``: alarms and misses across runs."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

from hardening_helpers import REPO_ROOT


def load_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "false_alarm_runs.py"
    spec = importlib.util.spec_from_file_location("false_alarm_runs", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class is built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SCRIPT = load_script()


def document(fixed_verdict: str, control_verdicts: dict[str, str]) -> dict[str, Any]:
    expected = {"empty": "clean", "bytes_8": "leak"}
    return {
        "scenarios": [
            {"id": "a/fixed/helper/ok", "pattern": "fixed", "verdict": fixed_verdict},
            {"id": "a/legacy/thread/ok", "pattern": "legacy", "verdict": "leak"},
        ],
        "calibration": {
            "controls": [
                {
                    "name": name,
                    "expected_verdict": expected[name],
                    "result": {"verdict": verdict},
                }
                for name, verdict in control_verdicts.items()
            ]
        },
    }


def test_tally_counts_fixed_alarms_only() -> None:
    # GIVEN two runs, one with a fixed scenario judged leak
    records = [
        SCRIPT.RunRecord(1, 0, 1.0, document("clean", {"empty": "clean"})),
        SCRIPT.RunRecord(2, 1, 1.0, document("leak", {"empty": "clean"})),
    ]

    # WHEN they are tallied
    tally = SCRIPT.tally(records)

    # THEN one false alarm is counted, and the legacy leak is not
    assert tally.false_alarms() == {"a/fixed/helper/ok": 1}


def test_tally_counts_control_misses() -> None:
    # GIVEN a clean control flagged once and a known leak missed once
    records = [
        SCRIPT.RunRecord(
            1, 0, 1.0, document("clean", {"empty": "leak", "bytes_8": "leak"})
        ),
        SCRIPT.RunRecord(
            2, 0, 1.0, document("clean", {"empty": "clean", "bytes_8": "clean"})
        ),
    ]

    # WHEN they are tallied
    tally = SCRIPT.tally(records)

    # THEN each control has one miss
    assert tally.control_misses() == {"empty": 1, "bytes_8": 1}


def test_tally_notes_unreadable_run() -> None:
    # GIVEN a run that left no report
    records = [SCRIPT.RunRecord(1, 2, 1.0, None, "no report at x")]

    # WHEN it is tallied
    tally = SCRIPT.tally(records)

    # THEN the run is listed as unreadable, with its reason
    assert tally.unreadable == ["run 1: no report at x"]
