"""The measuring engine: probes, runner, isolation, detection and attribution."""

from leak_tests.engine.isolation import measure_isolated, terminate_children
from leak_tests.engine.result import Result, Status, Verdict
from leak_tests.engine.runner import measure
from leak_tests.engine.target import resolve_target

__all__ = [
    "Result",
    "Status",
    "Verdict",
    "measure",
    "measure_isolated",
    "resolve_target",
    "terminate_children",
]
