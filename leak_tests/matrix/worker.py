"""Measure one scenario against a worker's servers and check its deliveries."""

from __future__ import annotations

import logging
import platform
from collections.abc import Mapping
from typing import Any

from leak_tests.catalog.expectations import expectation_for
from leak_tests.engine import detect
from leak_tests.engine.isolation import measure_isolated
from leak_tests.engine.result import Result, Status, Verdict
from leak_tests.matrix.plan import ScenarioSpec
from leak_tests.matrix.servers import ServerPair
from leak_tests.matrix.settings import MatrixSettings

logger = logging.getLogger(__name__)

SCENARIO_FACTORY = "leak_tests.catalog.scenarios:build_scenario"


def run_scenario(
    spec: ScenarioSpec,
    *,
    tag: str,
    servers: ServerPair,
    settings: MatrixSettings,
    noise_floor: Mapping[str, float] | None,
) -> dict[str, Any]:
    """Measure ``spec`` in a child process and return its run-document entry."""
    servers.apply(spec.condition, stall=settings.stall)
    pids = servers.pids()
    result = measure_isolated(
        SCENARIO_FACTORY,
        factory_kwargs=scenario_kwargs(spec, tag, servers, settings),
        timeout=settings.scenario_timeout,
        memory_limit=settings.memory_limit,
        iterations=settings.iterations_for(spec),
        warmup=settings.warmup_for(spec),
        checkpoints=settings.checkpoints,
        name=spec.id,
    )
    detect.judge(result, noise_floor=noise_floor)

    dead = servers.restart_dead()
    if dead:
        names = ", ".join(f"{name} (pid {pids[name]})" for name in dead)
        _fail(result, f"the local {names} server died during the scenario")
        delivery = None
    else:
        delivery = check_delivery(spec, result, servers.counts())
        if delivery["problem"]:
            _fail(result, delivery["problem"])
    return scenario_entry(spec, result, delivery)


def scenario_kwargs(
    spec: ScenarioSpec, tag: str, servers: ServerPair, settings: MatrixSettings
) -> dict[str, Any]:
    """Return the ``build_scenario`` arguments of ``spec``."""
    return {
        "site": spec.site,
        "pattern": spec.pattern,
        "context": spec.context,
        "condition": spec.condition,
        "tag": tag,
        "job_timeout": settings.job_timeout_for(spec),
        "pool_workers": settings.pool_workers,
        "fixed_dispatch": settings.fixed_dispatch,
        **servers.factory_kwargs(),
    }


def check_delivery(
    spec: ScenarioSpec, result: Result, counts: Mapping[str, int]
) -> dict[str, Any]:
    """Compare the servers' counts with one message per call and recipient.

    In the ``ok`` condition every call, warm-up included, must reach each of the
    site's recipients exactly once. The ``failing`` and ``dropped`` servers store
    nothing, so any message received means the condition was not applied. In
    ``slow`` the count is recorded but not checked: a send still in progress when
    the stall ends can complete (1 of 480 approval sends did in one run).
    """
    calls = result.extra.get("calls")
    recipients: list[str] = list(result.extra.get("recipients") or [])
    received = sum(counts.values())
    delivery: dict[str, Any] = {
        "expected": None,
        "received": received,
        "by_recipient": dict(counts),
        "problem": None,
    }
    if calls is None:
        if result.status is Status.OK:
            delivery["problem"] = "the scenario did not report its calls"
        return delivery
    if spec.condition == "slow":
        return delivery
    per_recipient = 0 if spec.is_fault else int(calls)
    delivery["expected"] = per_recipient * len(recipients)
    expected = {recipient: per_recipient for recipient in recipients if per_recipient}
    if dict(counts) != expected:
        delivery["problem"] = (
            f"delivery check failed: expected {per_recipient} message(s) to each of "
            f"{', '.join(recipients)} ({delivery['expected']} in all), the servers "
            f"received {received}: {dict(counts)}"
        )
    return delivery


def scenario_entry(
    spec: ScenarioSpec, result: Result, delivery: dict[str, Any] | None
) -> dict[str, Any]:
    """Return ``Result.to_dict()`` with the scenario's labels and expectation."""
    expectation = expectation_for(spec)
    entry = result.to_dict()
    entry.update(
        id=spec.id,
        site=spec.site,
        pattern=spec.pattern,
        context=spec.context,
        condition=spec.condition,
        python=platform.python_version(),
        expected=expectation.to_dict(),
        matches_expectation=expectation.matches(result.verdict.value),
        delivery=None
        if delivery is None
        else {key: value for key, value in delivery.items() if key != "problem"},
    )
    return entry


def _fail(result: Result, message: str) -> None:
    logger.warning("%s: %s", result.target, message)
    result.status = Status.ERROR
    result.verdict = Verdict.ERROR
    result.error = message if not result.error else f"{message}\n{result.error}"
