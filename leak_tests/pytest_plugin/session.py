"""Measuring inside a pytest session: run a callable, judge it, fail the test.

``LeakCheckSession`` is the run-wide state, kept under ``SESSION_KEY`` in
``config.stash``. Each measured item keeps its ``LeakRecord`` under
``RECORDS_KEY`` in ``item.stash``, from which the report section is built.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from leak_tests.engine.result import Result, Status, Verdict
from leak_tests.errors import LeakTestsError
from leak_tests.pytest_plugin.resolve import LeakSettings, resolve


@dataclass
class LeakRecord:
    """One measurement made for a test and the failure it caused, if any."""

    result: Result
    failure: str | None


@dataclass
class LeakCheckSession:
    """Run-wide state: every leak check made in this process, by node ID."""

    config: pytest.Config
    records: dict[str, list[LeakRecord]] = field(default_factory=dict)

    def check(
        self,
        node: pytest.Item,
        fn: Callable[[], object],
        layers: tuple[Mapping[str, Any], ...],
    ) -> LeakRecord:
        """Measure ``fn`` with the resolved settings and record it for ``node``.

        Raises ``pytest.UsageError`` for invalid settings.
        """
        try:
            settings = resolve(self.config, *layers)
        except LeakTestsError as exc:
            raise pytest.UsageError(f"{node.nodeid}: {exc}") from None
        result = _measure(fn, settings, node.nodeid)
        record = LeakRecord(result, failure_message(result, settings, node.nodeid))
        self.records.setdefault(node.nodeid, []).append(record)
        node.stash.setdefault(RECORDS_KEY, []).append(record)
        return record


SESSION_KEY = pytest.StashKey[LeakCheckSession]()
RECORDS_KEY = pytest.StashKey[list[LeakRecord]]()


def _measure(fn: Callable[[], object], settings: LeakSettings, name: str) -> Result:
    from leak_tests.engine.runner import measure

    return measure(
        fn,
        iterations=settings.iterations,
        warmup=settings.warmup,
        checkpoints=settings.checkpoints,
        probes=settings.probes,
        name=name,
    )


def failure_message(result: Result, settings: LeakSettings, nodeid: str) -> str | None:
    """Return the one-sentence failure for ``result``, or None when it passes.

    Checked in order: a failed measurement, the worst probe whose verdict is in
    ``settings.fail_on``, then each ``max_per_call`` limit (a slope equal to the
    limit passes).
    """
    if result.status is not Status.OK and result.verdict in settings.fail_on:
        lines = (result.error or "").strip().splitlines()
        detail = lines[-1] if lines else "no error text"
        return f"{nodeid}: the leak check ended in {result.verdict.value}: {detail}"
    failing = [p for p in result.probes.values() if p.verdict in settings.fail_on]
    if failing:
        worst = max(failing, key=lambda probe: probe.verdict.severity)
        return f"{nodeid}: {worst.verdict.value} on {worst.name}: {worst.reason}"
    for name, limit in settings.max_per_call.items():
        probe = result.probes.get(name)
        if probe is None:
            known = ", ".join(result.probes)
            return (
                f"{nodeid}: max_per_call names probe {name!r}, which was not read; "
                f"use one of {known}."
            )
        if probe.slope_per_iter > limit:
            return (
                f"{nodeid}: {name} grew {probe.slope_per_iter:.3g} {probe.unit} per "
                f"call, over the max_per_call limit of {limit:g} {probe.unit} per call."
            )
    return None


def report_text(records: list[LeakRecord]) -> str:
    """Return the per-probe table and attribution of ``records`` as plain text."""
    from leak_tests.commands.check import write_text

    stream = io.StringIO()
    for record in records:
        write_text(record.result, stream)
    return stream.getvalue()


def call_test_function(item: pytest.Function) -> Callable[[], object]:
    """Return a callable that calls the test function with its fixture values.

    Raises ``pytest.UsageError`` for a coroutine function, whose calls would only
    create coroutines.
    """
    function = item.obj
    if inspect.iscoroutinefunction(function):
        raise pytest.UsageError(
            f"{item.nodeid}: leakcheck cannot measure a coroutine function; make the "
            "test synchronous and call asyncio.run() inside it"
        )
    arguments = {name: item.funcargs[name] for name in item._fixtureinfo.argnames}

    def call() -> object:
        return function(**arguments)

    return call


def verdict_summary(session: LeakCheckSession) -> dict[Verdict, int]:
    """Return how many leak checks of the session ended in each verdict."""
    counts: dict[Verdict, int] = {}
    for records in session.records.values():
        for record in records:
            counts[record.result.verdict] = counts.get(record.result.verdict, 0) + 1
    return counts
