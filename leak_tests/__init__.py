"""Leak-regression harness for Python code that drives asyncio from threads.

The public names are imported on first use, so that importing the package (as
the pytest plugin does in every session) costs nothing until something is
measured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leak_tests.engine import Result, Verdict, measure, measure_isolated

__all__ = ["Result", "Verdict", "measure", "measure_isolated"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("leak_tests.engine"), name)
    raise AttributeError(f"module 'leak_tests' has no attribute {name!r}")
