"""Calibration: the engine's controls measured in the same run as the scenarios.

The empty control gives the noise floor passed to ``detect.judge`` for every
scenario. The known leaks show whether the rules still detect what they should
on this machine and interpreter.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from leak_tests.engine import controls, detect
from leak_tests.engine.isolation import measure_isolated
from leak_tests.engine.result import Result
from leak_tests.matrix.settings import MatrixSettings

EMPTY_CONTROL = "empty"
CONTROL_WARMUP = 100
"""Warm-up calls of each control: the controls need no cache to settle, and the
thread control keeps every thread it starts until it is closed."""


def measure_control(control: controls.Control, settings: MatrixSettings) -> Result:
    """Measure one control in a child process."""
    return measure_isolated(
        control.factory,
        factory_kwargs=dict(control.factory_kwargs),
        timeout=settings.scenario_timeout,
        iterations=max(settings.iterations, control.min_iterations),
        warmup=min(settings.warmup, CONTROL_WARMUP),
        checkpoints=settings.checkpoints,
        name=f"control:{control.name}",
    )


def run_calibration(
    executor: Executor, settings: MatrixSettings, on_done: Callable[[], None]
) -> dict[str, Any]:
    """Measure every control and return the run document's calibration block."""
    futures = {
        control.name: executor.submit(measure_control, control, settings)
        for control in controls.CONTROLS
    }
    results: dict[str, Result] = {}
    for name, future in futures.items():
        results[name] = future.result()
        on_done()
    noise_floor = detect.calibrate_noise_floor(results[EMPTY_CONTROL])
    entries = []
    for control in controls.CONTROLS:
        result = detect.judge(results[control.name], noise_floor=noise_floor)
        entries.append(
            {
                "name": control.name,
                "expected_verdict": control.expected_verdict.value,
                "detected": controls.is_detected(control, result),
                "python": platform.python_version(),
                "result": result.to_dict(),
            }
        )
    return {"noise_floor": noise_floor, "controls": entries}
