"""Leak-regression harness for Python code that drives asyncio from threads."""

from leak_tests.engine import Result, Verdict, measure, measure_isolated

__all__ = ["Result", "Verdict", "measure", "measure_isolated"]
