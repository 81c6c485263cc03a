"""Calibration controls measured in child processes: each must get its verdict."""

from __future__ import annotations

import pytest

from leak_tests.engine import controls, detect
from leak_tests.engine.result import Result, Verdict

QUICK_ITERATIONS = 300
FULL_ITERATIONS = 2000
REPEATS = 3
"""Runs of each control in the slow suite, so that a flaky verdict shows."""

QUICK_CONTROLS = (
    "empty",
    "bytes_64",
    "fd_per_call",
    "task_pending_at_close",
    "fixed_pending_task",
)


def _run(control: controls.Control, iterations: int) -> Result:
    return controls.run_control(
        control,
        iterations=max(iterations, control.min_iterations),
        warmup=100,
        checkpoints=10,
        timeout=300,
    )


def _describe(result: Result) -> str:
    flagged = [
        f"{probe.name}={probe.verdict.value} ({probe.reason})"
        for probe in result.probes.values()
        if probe.verdict is not Verdict.CLEAN
    ]
    return f"{result.verdict.value}: {flagged} {result.error or ''}"


@pytest.mark.parametrize("name", QUICK_CONTROLS)
def test_control_detected_quick(name: str) -> None:
    # GIVEN a control with a known verdict
    control = controls.find_control(name)

    # WHEN it is measured for a few hundred calls in a child process
    result = _run(control, QUICK_ITERATIONS)

    # THEN the expected probe carries the expected verdict
    assert controls.is_detected(control, result), _describe(result)


@pytest.mark.slow
@pytest.mark.parametrize("repeat", range(REPEATS))
@pytest.mark.parametrize("control", controls.CONTROLS, ids=lambda c: c.name)
def test_control_detected_full(control: controls.Control, repeat: int) -> None:
    # GIVEN a control with a known verdict
    # WHEN it is measured for 2,000 calls in a child process
    result = _run(control, FULL_ITERATIONS)

    # THEN the expected probe carries the expected verdict, on every repeat
    assert controls.is_detected(control, result), _describe(result)


@pytest.mark.slow
def test_calibrate_returns_document_section() -> None:
    # GIVEN the controls that take no more than a few seconds
    chosen = tuple(controls.find_control(name) for name in QUICK_CONTROLS)

    # WHEN calibration runs
    section = controls.calibrate(
        chosen, iterations=QUICK_ITERATIONS, warmup=50, checkpoints=10
    )

    # THEN it gives a noise floor and detects every control
    assert "traced_bytes" in section["noise_floor"]
    assert [entry["detected"] for entry in section["controls"]] == [True] * len(chosen)


def test_calibrated_floor_keeps_empty_clean() -> None:
    # GIVEN the noise floor measured on an empty callable
    empty = controls.find_control("empty")
    floor = detect.calibrate_noise_floor(_run(empty, QUICK_ITERATIONS))

    # WHEN a second empty run is judged with it
    result = detect.judge(_run(empty, QUICK_ITERATIONS), noise_floor=floor)

    # THEN it is clean
    assert result.verdict is Verdict.CLEAN, _describe(result)


def test_find_control_unknown_name_lists_choices() -> None:
    # GIVEN a misspelt control name
    name = "emptty"

    # WHEN it is looked up, THEN the error lists the valid names
    with pytest.raises(KeyError, match="choose one of empty, bytes_8"):
        controls.find_control(name)
