"""The leak matrix's ``ok`` scenarios as pytest tests, through ``leak_check``.

Each test measures one site under one pattern and context in this process,
against servers in their own processes. The fixed pattern must be ``clean``;
the old pattern must show what the catalog expects of it.
"""

from typing import Any

import pytest

from leak_tests.catalog.expectations import expectation_for
from leak_tests.catalog.names import PATTERN_CONTEXTS, SITE_IDS
from leak_tests.catalog.scenarios import build_scenario
from leak_tests.matrix.plan import ScenarioSpec
from leak_tests.matrix.settings import (
    DEFAULT_ITERATIONS,
    DEFAULT_OK_JOB_TIMEOUT,
    DEFAULT_WARMUP,
)
from leak_tests.pytest_plugin.fixtures import LeakCheck

VERDICTS = (
    "clean",
    "retained",
    "gc_dependent",
    "cleanup_skipped",
    "leak",
    "timeout",
    "error",
)


@pytest.mark.slow
@pytest.mark.parametrize(("pattern", "context"), PATTERN_CONTEXTS)
@pytest.mark.parametrize("site", SITE_IDS)
def test_site_matches_expectation(
    leak_check: LeakCheck,
    scenario_ports: dict[str, Any],
    site: str,
    pattern: str,
    context: str,
) -> None:
    # GIVEN one site under one pattern, and what the catalog expects of it
    expectation = expectation_for(ScenarioSpec(site, pattern, context, "ok"))
    scenario = build_scenario(
        site=site,
        pattern=pattern,
        context=context,
        tag="88",
        job_timeout=DEFAULT_OK_JOB_TIMEOUT,
        **scenario_ports,
    )

    # WHEN it is measured, allowing the expected verdicts only
    try:
        result = leak_check(
            scenario,
            iterations=DEFAULT_ITERATIONS,
            warmup=DEFAULT_WARMUP,
            allow=[v for v in VERDICTS if expectation.matches(v)],
        )
    finally:
        scenario.close()

    # THEN
    assert expectation.matches(result.verdict.value), expectation.mechanism
