"""The measuring engine: probes, runner, isolation, detection and attribution.

Names are imported from their modules on first use, so that importing the result
model alone does not load psutil, objgraph and the probes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leak_tests.lazy import lazy_getattr

if TYPE_CHECKING:
    from leak_tests.engine.isolation import measure_isolated, terminate_children
    from leak_tests.engine.result import Result, Status, Verdict
    from leak_tests.engine.runner import measure
    from leak_tests.engine.target import resolve_target

_MODULE_OF = {
    "Result": "result",
    "Status": "result",
    "Verdict": "result",
    "measure": "runner",
    "measure_isolated": "isolation",
    "resolve_target": "target",
    "terminate_children": "isolation",
}

__all__ = [
    "Result",
    "Status",
    "Verdict",
    "measure",
    "measure_isolated",
    "resolve_target",
    "terminate_children",
]


__getattr__ = lazy_getattr(__name__, _MODULE_OF)
