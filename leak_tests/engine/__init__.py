"""The measuring engine: probes, runner, isolation, detection and attribution.

Names are imported from their modules on first use, so that importing the result
model alone does not load psutil, objgraph and the probes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'leak_tests.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(f"leak_tests.engine.{module}"), name)
