"""Plain data for each section of the HTML report, built from the run document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leak_tests.engine.result import Verdict
from leak_tests.report import charts
from leak_tests.report.document import python_label
from leak_tests.report.summary import (
    column_key,
    format_per_call,
    format_value,
    pattern_name,
)
from leak_tests.report.terminal import VERDICT_COLOURS, verdict_word

DEFAULT_ITERATIONS = 2000
"""Default measured calls of ``measure`` and of ``run --iterations``."""

MAIN_PROBES = ("traced_bytes", "uss", "rss", "py_threads", "os_threads", "fds")
"""Probes charted for every site, when measured, in this order."""

MAX_CHARTED_PROBES = 6


def banners(document: Mapping[str, Any]) -> list[str]:
    """Return warnings a reader needs before trusting the report."""
    messages = []
    if document.get("partial"):
        messages.append(
            "This run was interrupted: scenarios not listed here were not measured."
        )

    iterations = (document.get("settings") or {}).get("iterations")
    if isinstance(iterations, int) and iterations < DEFAULT_ITERATIONS:
        messages.append(
            f"Only {iterations} measured calls per scenario (default "
            f"{DEFAULT_ITERATIONS}): small per-call leaks may stay below the noise."
        )

    calibration = document.get("calibration") or {}
    measured = document.get("scenarios")
    if (
        document.get("kind") == "leakcheck"
        and measured
        and not calibration.get("controls")
    ):
        messages.append(
            "No known-leak controls ran, so this report cannot show that the "
            "probes were sensitive in this run."
        )
    missed = [c["name"] for c in calibration.get("controls") or [] if not c["detected"]]
    if missed:
        messages.append(
            "Known-leak controls not detected: "
            + ", ".join(missed)
            + ". Clean verdicts in this run may be false."
        )

    failed = [s["id"] for s in document["scenarios"] if s.get("status") != "ok"]
    if failed:
        messages.append(
            f"{len(failed)} scenario(s) did not complete (error or timeout)."
        )
    return messages


def site_sections(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Group scenarios by site, with charts, figures and attribution for each."""
    by_site: dict[str, list[Mapping[str, Any]]] = {}
    for scenario in document["scenarios"]:
        site = str(scenario.get("site") or scenario.get("target") or scenario["id"])
        by_site.setdefault(site, []).append(scenario)
    sections = []
    for index, (site, scenarios) in enumerate(by_site.items()):
        sections.append(
            {
                "site": site,
                "anchor": f"site-{index}",
                "chart": _site_chart(scenarios, chart_id=f"site{index}"),
                "rows": [_scenario_row(document, s) for s in scenarios],
                "attributions": [
                    _attribution(document, s)
                    for s in scenarios
                    if s["verdict"] != Verdict.CLEAN.value
                ],
            }
        )
    return sections


def _site_chart(scenarios: list[Mapping[str, Any]], *, chart_id: str) -> str | None:
    measured = [s for s in scenarios if s.get("probes")]
    if not measured:
        return None
    names = {name for s in measured for name in s["probes"]}
    flagged = {
        name
        for s in measured
        for name, probe in s["probes"].items()
        if probe["verdict"] != Verdict.CLEAN.value
    }
    probes = [name for name in MAIN_PROBES if name in names]
    probes += sorted(flagged - set(probes))
    probes += sorted(n for n in names if n.startswith("objects.") and "Loop" in n)
    probes = list(dict.fromkeys(probes))[:MAX_CHARTED_PROBES]
    conditions = list(dict.fromkeys(str(s.get("condition") or "-") for s in measured))
    series: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    several_pythons = len({s.get("python") for s in measured}) > 1
    for scenario in measured:
        line = f"{scenario.get('pattern')}/{scenario.get('context')}"
        if several_pythons:
            line += f" py{scenario['python']}"
        condition = str(scenario.get("condition") or "-")
        for name in probes:
            if name in scenario["probes"]:
                series.setdefault((name, condition), {})[line] = scenario["probes"][
                    name
                ]
    return charts.probe_grid(probes, conditions, series, chart_id=chart_id)


def _scenario_row(
    document: Mapping[str, Any], scenario: Mapping[str, Any]
) -> dict[str, Any]:
    probes = scenario.get("probes") or {}
    return {
        "id": scenario["id"],
        "column": column_key(scenario),
        "python": python_label(dict(document), dict(scenario)),
        "verdict": scenario["verdict"],
        "word": verdict_word(scenario["verdict"]),
        "colour": VERDICT_COLOURS.get(scenario["verdict"], "#000"),
        "status": scenario.get("status"),
        "calls": scenario.get("calls_completed"),
        "duration_s": scenario.get("duration_s"),
        "expected": scenario.get("expected"),
        "matches_expectation": scenario.get("matches_expectation"),
        "delivery": scenario.get("delivery"),
        "probes": [_probe_row(probe) for probe in probes.values()],
        "error": scenario.get("error"),
    }


def _probe_row(probe: Mapping[str, Any]) -> dict[str, Any]:
    unit = str(probe.get("unit", ""))
    return {
        "name": probe["name"],
        "verdict": probe["verdict"],
        "word": verdict_word(probe["verdict"]),
        "colour": VERDICT_COLOURS.get(probe["verdict"], "#000"),
        "baseline": format_value(probe.get("baseline"), unit),
        "delta": format_value(probe.get("delta"), unit),
        "high_watermark": format_value(probe.get("high_watermark"), unit),
        "slope": format_per_call(probe.get("slope_per_iter"), unit),
        "slope_before_gc": format_per_call(probe.get("slope_before_gc_per_iter"), unit),
        "reason": probe.get("reason", ""),
    }


def _attribution(
    document: Mapping[str, Any], scenario: Mapping[str, Any]
) -> dict[str, Any]:
    attribution = scenario.get("attribution") or {}
    flagged = [
        probe
        for probe in (scenario.get("probes") or {}).values()
        if probe["verdict"] != Verdict.CLEAN.value
    ]
    return {
        "id": scenario["id"],
        "python": python_label(dict(document), dict(scenario)),
        "verdict": scenario["verdict"],
        "word": verdict_word(scenario["verdict"]),
        "colour": VERDICT_COLOURS.get(scenario["verdict"], "#000"),
        "mechanism": (scenario.get("expected") or {}).get("mechanism"),
        "reasons": [f"{p['name']}: {p.get('reason', '')}" for p in flagged],
        "error": scenario.get("error"),
        "allocations": attribution.get("allocations") or [],
        "threads": attribution.get("threads") or [],
        "fds": attribution.get("fds") or [],
        "creations": attribution.get("creations") or [],
        "events": attribution.get("events") or [],
        "backrefs": attribution.get("backrefs") or [],
    }


def calibration(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the noise floor rows and the known-leak controls."""
    data = document.get("calibration") or {}
    controls = [
        {
            "name": control["name"],
            "python": control.get("python"),
            "expected": control["expected_verdict"],
            "detected": control["detected"],
            "verdict": (control.get("result") or {}).get("verdict"),
        }
        for control in data.get("controls") or []
    ]
    floor = sorted((data.get("noise_floor") or {}).items())
    return {"noise_floor": floor, "controls": controls}


def timings(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return per-dispatch latency rows with each site's ratio to the fixed helper."""
    rows = [dict(row) for row in document.get("timings") or []]
    fixed = {
        (row["site"], row.get("python")): row["mean_us"]
        for row in rows
        if row["pattern"] == "fixed" and row.get("mean_us")
    }
    for row in rows:
        base = fixed.get((row["site"], row.get("python")))
        mean = row.get("mean_us")
        row["ratio"] = f"{mean / base:.2f}x" if base and mean is not None else ""
        row["pattern_name"] = pattern_name(row["pattern"])
    return sorted(rows, key=lambda r: (r["site"], r["pattern"] != "fixed"))


SOAK_FIELDS = ("rss", "uss", "threads", "fds", "connections")
SOAK_BYTE_FIELDS = frozenset({"rss", "uss"})


def soak_charts(document: Mapping[str, Any]) -> list[str]:
    """Chart each soak metric over time, one line per pattern."""
    soak = document.get("soak") or {}
    samples: Mapping[str, list[Mapping[str, Any]]] = soak.get("samples") or {}
    figures = []
    for index, metric in enumerate(SOAK_FIELDS):
        values = [
            float(sample[metric])
            for rows in samples.values()
            for sample in rows
            if sample.get(metric) is not None
        ]
        unit = "B" if metric in SOAK_BYTE_FIELDS else ""
        unit, divisor = charts.scaled_unit(unit, values)
        series = {
            pattern: [(float(s["t_s"]), _scaled(s.get(metric), divisor)) for s in rows]
            for pattern, rows in samples.items()
            if any(s.get(metric) is not None for s in rows)
        }
        if series:
            figures.append(
                charts.time_series(
                    f"soak: {metric}",
                    series,
                    chart_id=f"soak{index}",
                    x_label="seconds",
                    y_label=f"{metric} ({unit})" if unit else metric,
                )
            )
    return figures


def _scaled(value: Any, divisor: float) -> float | None:
    return None if value is None else float(value) / divisor


def version_table(
    document: Mapping[str, Any], versions: list[str]
) -> list[dict[str, Any]]:
    """Return one row per scenario id with its verdict under each Python version."""
    rows: dict[str, dict[str, Any]] = {}
    for scenario in document["scenarios"]:
        row = rows.setdefault(str(scenario["id"]), {"id": scenario["id"], "cells": {}})
        row["cells"][python_label(dict(document), dict(scenario))] = {
            "word": verdict_word(scenario["verdict"]),
            "colour": VERDICT_COLOURS.get(scenario["verdict"], "#000"),
        }
    return [
        {"id": row["id"], "cells": [row["cells"].get(v) for v in versions]}
        for row in rows.values()
    ]


def trend_chart(trend: list[dict[str, Any]]) -> str | None:
    """Chart scenarios not clean per pattern across the history of runs."""
    if len(trend) < 2:
        return None
    patterns = sorted({name for point in trend for name in point["total"]})
    series = {
        name: [
            (float(index), float(point["not_clean"].get(name, 0)))
            for index, point in enumerate(trend)
        ]
        for name in patterns
    }
    return charts.time_series(
        "scenarios not clean, per pattern",
        series,
        chart_id="trend",
        x_label="run (oldest to newest)",
        y_label="scenarios",
    )


def soak_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Summarise each soaked pattern: verdicts, peaks, latency and deliveries."""
    soak = document.get("soak") or {}
    rows = []
    for pattern, summary in sorted((soak.get("patterns") or {}).items()):
        peaks = summary.get("high_watermarks") or {}
        final = summary.get("final") or {}
        traffic = summary.get("traffic") or {}
        latency = traffic.get("latency") or {}
        delivery = summary.get("delivery") or {}
        verdicts = summary.get("verdicts") or {}
        rows.append(
            {
                "pattern": pattern,
                "verdict": str(summary.get("verdict", "")),
                "series": ", ".join(
                    f"{name} {item.get('verdict', '')}"
                    for name, item in sorted(verdicts.items())
                ),
                "rss": f"{_mib(peaks.get('rss'))} / {_mib(final.get('rss'))}",
                "threads": _pair(peaks.get("threads"), final.get("threads"), 0),
                "fds": _pair(peaks.get("fds"), final.get("fds"), 0),
                "latency": _pair(latency.get("p50_ms"), latency.get("p99_ms"), 1),
                "rps": _number(traffic.get("rps"), 1),
                "errors": traffic.get("errors", ""),
                "delivered": f"{delivery.get('delivered_messages', '')} of "
                f"{delivery.get('expected_messages', '')}",
                "lost": delivery.get("lost", ""),
                "fds_added": [
                    f"fd {fd.get('fd')}: {fd.get('kind')} {fd.get('detail')}"
                    for fd in summary.get("fds_added") or []
                ],
            }
        )
    return rows


def _pair(first: Any, second: Any, digits: int) -> str:
    return f"{_number(first, digits)} / {_number(second, digits)}"


def _number(value: Any, digits: int) -> str:
    if not isinstance(value, (int, float)):
        return ""
    return f"{value:,.{digits}f}"


def _mib(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return ""
    return f"{value / 1024 / 1024:.1f} MiB"
