import io
from typing import Any

from leak_tests.catalog.names import SITE_IDS
from leak_tests.matrix.outcome import failures
from leak_tests.matrix.summary import SUMMARY_WIDTH, per_call_figures, write_summary


def _probe(name: str, baseline: float, first: float, last: float) -> dict[str, Any]:
    return {
        "name": name,
        "baseline": baseline,
        "first": first,
        "last": last,
        "delta": last - first,
        "verdict": "clean",
        "reason": "",
    }


def _scenario(site: str, pattern: str, context: str, verdict: str) -> dict[str, Any]:
    probes = {
        "traced_bytes": _probe("traced_bytes", 0, 1000, 3000),
        "fds": _probe("fds", 3, 3, 3),
        "py_threads": _probe("py_threads", 1, 2, 2),
        "objects.EventLoop": _probe("objects.EventLoop", 0, 4, 4),
        "events.task_destroyed": _probe("events.task_destroyed", 0, 0, 1000),
    }
    return {
        "id": f"{site}/{pattern}/{context}/ok",
        "site": site,
        "pattern": pattern,
        "context": context,
        "condition": "ok",
        "verdict": verdict,
        "iterations": 2000,
        "probes": probes,
        "matches_expectation": verdict == "clean",
        "error": None,
    }


def test_figures_divide_bytes_and_events_by_calls() -> None:
    # GIVEN / WHEN
    figures = per_call_figures(_scenario("vendor_invite", "legacy", "pool", "retained"))

    # THEN
    assert figures["traced_b_per_call"] == 1.0
    assert figures["events_per_call"] == 0.5


def test_figures_count_kept_above_baseline() -> None:
    # GIVEN a pool that kept its loops during the warm-up
    # WHEN
    figures = per_call_figures(_scenario("vendor_invite", "legacy", "pool", "retained"))

    # THEN
    assert figures["loops"] == 4
    assert figures["threads"] == 1
    assert figures["fds"] == 0


def test_summary_fits_100_columns_for_longest_site() -> None:
    # GIVEN every site in the worst-case verdict
    scenarios = [
        _scenario(site, "legacy", "thread", "cleanup_skipped") for site in SITE_IDS
    ]
    out = io.StringIO()

    # WHEN
    write_summary(scenarios, out)

    # THEN every line fits and every site is spelled out in full
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= SUMMARY_WIDTH
    assert "booking_approval_notifications" in out.getvalue()


def test_failures_name_unclean_fixed_scenario_and_probe() -> None:
    # GIVEN a fixed scenario with a skipped cleanup
    scenario = _scenario("vendor_invite", "fixed", "helper", "cleanup_skipped")
    scenario["probes"]["events.task_destroyed"]["verdict"] = "cleanup_skipped"
    scenario["probes"]["events.task_destroyed"]["reason"] = "1000 events"

    # WHEN
    lines = failures({"scenarios": [scenario]})

    # THEN
    assert len(lines) == 1
    assert "vendor_invite/fixed/helper/ok" in lines[0]
    assert "events.task_destroyed: 1000 events" in lines[0]


def test_failures_ignore_unclean_legacy_scenario() -> None:
    # GIVEN / WHEN
    lines = failures(
        {"scenarios": [_scenario("vendor_invite", "legacy", "pool", "retained")]}
    )

    # THEN
    assert lines == []


def test_failures_include_legacy_error() -> None:
    # GIVEN a legacy scenario whose delivery check failed
    scenario = _scenario("vendor_invite", "legacy", "thread", "error")
    scenario["error"] = "delivery check failed: expected 2100"

    # WHEN
    lines = failures({"scenarios": [scenario]})

    # THEN
    assert lines == [
        "vendor_invite/legacy/thread/ok: error: delivery check failed: expected 2100"
    ]
