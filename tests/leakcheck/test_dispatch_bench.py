"""Time of one dispatch, waited for, per site under each pattern and context.

Run with ``make bench``, which saves ``reports/bench.json`` for the report.
"""

from typing import Any

import pytest

from leak_tests.catalog.names import PATTERN_CONTEXTS, SITE_IDS
from leak_tests.catalog.scenarios import build_scenario
from leak_tests.matrix.settings import DEFAULT_OK_JOB_TIMEOUT


@pytest.mark.slow
@pytest.mark.parametrize(("pattern", "context"), PATTERN_CONTEXTS)
@pytest.mark.parametrize("site", SITE_IDS)
def test_dispatch_time(
    benchmark: Any,
    scenario_ports: dict[str, Any],
    site: str,
    pattern: str,
    context: str,
) -> None:
    # GIVEN one site under one pattern, against servers in the ok condition
    scenario = build_scenario(
        site=site,
        pattern=pattern,
        context=context,
        tag="77",
        job_timeout=DEFAULT_OK_JOB_TIMEOUT,
        **scenario_ports,
    )
    benchmark.extra_info.update(site=site, pattern=pattern, context=context)

    # WHEN one dispatch is timed, started and waited for
    try:
        benchmark(scenario)
    finally:
        scenario.close()

    # THEN every timed call sent its messages without an error logged
    assert scenario.extra()["log_records"] == {}
