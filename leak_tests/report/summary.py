"""The scorecard and the headline: what a reviewer reads first.

Both are plain data built from the run document, so the HTML report and the
terminal summaries show the same figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leak_tests.engine.result import Verdict
from leak_tests.report.terminal import VERDICT_COLOURS, verdict_word

PATTERN_NAMES = {"fixed": "fixed helper", "legacy": "old pattern"}
"""Reader-facing name of each pattern label."""

KEY_PROBES_PER_CELL = 3


@dataclass
class Cell:
    """One scorecard cell: a scenario's verdict and its largest per-call changes."""

    scenario_id: str
    verdict: str
    word: str
    colour: str
    deltas: list[tuple[str, str]]
    """Probe name and per-call slope of the largest changes."""
    regression: bool = False
    python: list[str] = field(default_factory=list)


@dataclass
class Scorecard:
    """Rows of sites against columns of pattern, context and condition."""

    columns: list[str]
    rows: list[tuple[str, list[Cell | None]]]

    @property
    def groups(self) -> list[tuple[str, int]]:
        """Return each run of columns sharing a ``pattern/context``, with its length.

        The header draws these over the conditions, so that a column reads ``ok``
        under ``fixed/helper`` instead of ``fixed/helper/ok``.
        """
        groups: list[tuple[str, int]] = []
        for column in self.columns:
            group = column.rpartition("/")[0]
            if groups and groups[-1][0] == group:
                groups[-1] = (group, groups[-1][1] + 1)
            else:
                groups.append((group, 1))
        return groups

    @property
    def conditions(self) -> list[str]:
        """Return the last part of each column label: the condition."""
        return [column.rpartition("/")[2] for column in self.columns]


def pattern_name(pattern: str | None) -> str:
    """Return the reader-facing name of a pattern label."""
    return PATTERN_NAMES.get(pattern or "", pattern or "unlabelled")


def document_headline(document: Mapping[str, Any]) -> str:
    """Summarise the scenarios' verdicts and, when there is one, the soak's."""
    soak = soak_headline(document.get("soak") or {})
    if document.get("scenarios") or not soak:
        scenarios = headline(document.get("scenarios") or [])
        return f"{scenarios}; {soak}" if soak else scenarios
    return soak


def soak_headline(soak: Mapping[str, Any]) -> str:
    """Return the soak's verdict per pattern, or ``""`` when there is no soak.

    Example: ``soak: fixed helper clean; old pattern retained``.
    """
    patterns = soak.get("patterns") or {}
    if not patterns:
        return ""
    parts = [
        f"{pattern_name(name)} {verdict_word(str(summary.get('verdict')))}"
        for name, summary in patterns.items()
    ]
    return "soak: " + "; ".join(parts)


def headline(scenarios: Iterable[Mapping[str, Any]]) -> str:
    """Summarise verdicts per pattern in one line.

    Example: ``fixed helper: 24 of 24 scenarios clean; old pattern: 0 of 48
    scenarios clean (40 leak, 8 retained)``.
    """
    by_pattern: dict[str, Counter[str]] = {}
    for scenario in scenarios:
        counts = by_pattern.setdefault(pattern_name(scenario.get("pattern")), Counter())
        counts[str(scenario.get("verdict"))] += 1
    if not by_pattern:
        return "no scenarios were measured"
    parts = []
    for name in sorted(by_pattern, key=_pattern_order):
        counts = by_pattern[name]
        total = sum(counts.values())
        text = f"{name}: {counts[Verdict.CLEAN.value]} of {total} scenarios clean"
        others = [
            f"{counts[verdict.value]} {verdict_word(verdict.value)}"
            for verdict in sorted(Verdict, key=lambda v: -v.severity)
            if verdict is not Verdict.CLEAN and counts[verdict.value]
        ]
        if others:
            text += f" ({', '.join(others)})"
        parts.append(text)
    return "; ".join(parts)


def _pattern_order(name: str) -> tuple[int, str]:
    known = list(PATTERN_NAMES.values())
    return (known.index(name) if name in known else len(known), name)


def column_key(scenario: Mapping[str, Any]) -> str:
    """Return the scorecard column of a scenario: ``pattern/context/condition``."""
    parts = (
        scenario.get("pattern"),
        scenario.get("context"),
        scenario.get("condition"),
    )
    return "/".join(str(part) for part in parts if part) or str(scenario.get("id"))


def build_scorecard(
    scenarios: Iterable[Mapping[str, Any]],
    *,
    regressions: frozenset[tuple[str, str]] = frozenset(),
) -> Scorecard:
    """Arrange scenarios by site and column. Several Pythons share one cell, the worst.

    ``regressions`` contains the ``(scenario id, python)`` pairs to mark.
    """
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for scenario in scenarios:
        site = str(scenario.get("site") or scenario.get("target") or scenario["id"])
        grouped.setdefault((site, column_key(scenario)), []).append(scenario)
    columns = sorted({column for _, column in grouped}, key=_column_order)
    sites = list(dict.fromkeys(site for site, _ in grouped))
    rows = [
        (
            site,
            [
                _cell(grouped[(site, column)], regressions)
                if (site, column) in grouped
                else None
                for column in columns
            ],
        )
        for site in sites
    ]
    return Scorecard(columns=columns, rows=rows)


LABEL_ORDER = (
    "fixed",
    "legacy",
    "helper",
    "thread",
    "pool",
    "ok",
    "slow",
    "failing",
    "dropped",
)
"""Known labels in reading order; others sort after them, alphabetically."""


def _column_order(column: str) -> list[tuple[int, str]]:
    return [
        (LABEL_ORDER.index(part) if part in LABEL_ORDER else len(LABEL_ORDER), part)
        for part in column.split("/")
    ]


def _cell(
    scenarios: list[Mapping[str, Any]], regressions: frozenset[tuple[str, str]]
) -> Cell:
    worst = max(scenarios, key=lambda s: Verdict(s["verdict"]).severity)
    verdict = str(worst["verdict"])
    pythons = sorted({str(s.get("python") or "") for s in scenarios} - {""})
    return Cell(
        scenario_id=str(worst["id"]),
        verdict=verdict,
        word=verdict_word(verdict),
        colour=VERDICT_COLOURS.get(verdict, "#000000"),
        deltas=key_deltas(worst),
        regression=any(
            (str(s["id"]), str(s.get("python") or "")) in regressions for s in scenarios
        ),
        python=pythons,
    )


def key_deltas(scenario: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the largest per-call slopes of a scenario, non-clean probes first.

    Each entry is the probe's name and its formatted change. A flagged probe that
    did not grow per call (a ``retained`` step) shows what it kept above its
    baseline instead of a zero slope.
    """
    probes = [
        probe
        for probe in (scenario.get("probes") or {}).values()
        if probe.get("slope_per_iter") or probe.get("verdict") != Verdict.CLEAN.value
    ]
    probes.sort(
        key=lambda p: (-Verdict(p["verdict"]).severity, -abs(p["slope_per_iter"] or 0))
    )
    return [(probe["name"], _change(probe)) for probe in probes[:KEY_PROBES_PER_CELL]]


def _change(probe: Mapping[str, Any]) -> str:
    if probe.get("slope_per_iter"):
        return format_per_call(probe["slope_per_iter"], probe["unit"])
    above_baseline = (probe.get("last") or 0.0) - (probe.get("baseline") or 0.0)
    sign = "+" if above_baseline >= 0 else "-"
    return f"{sign}{format_value(abs(above_baseline), probe['unit'])} kept"


def format_value(value: float | None, unit: str) -> str:
    """Format a probe value with its unit; bytes use binary prefixes."""
    if value is None:
        return "n/a"
    if unit == "B":
        return _format_bytes(value)
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def format_per_call(value: float | None, unit: str) -> str:
    """Format a per-call slope with an explicit sign, as ``+3.00 fds/call``."""
    if value is None:
        return "n/a"
    if unit == "B":
        return ("+" if value >= 0 else "-") + _format_bytes(abs(value)) + "/call"
    return f"{value:+.2f} {unit}/call".replace(" /", "/")


def _format_bytes(value: float) -> str:
    size = abs(value)
    for prefix in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or prefix == "GiB":
            break
        size /= 1024
    digits = 0 if prefix == "B" and size == int(size) else 1
    sign = "-" if value < 0 else ""
    return f"{sign}{size:.{digits}f} {prefix}"
