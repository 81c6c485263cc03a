"""Compare a run with an earlier one: what got worse, what got better, trends.

Scenarios are matched by ``id`` and Python version. A scenario regressed when
its verdict, or one probe's verdict, became more severe, or when a probe's
per-call slope rose by more than both this run's noise floor for that probe
and ``relative_tolerance`` times the earlier slope.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from leak_tests.engine.result import Verdict
from leak_tests.errors import ResultsFileError
from leak_tests.report.document import load_document, python_label
from leak_tests.report.summary import format_per_call, pattern_name

logger = logging.getLogger(__name__)

DEFAULT_RELATIVE_TOLERANCE = 0.25
"""Fraction of the earlier slope that a slope may rise by before it counts."""

ScenarioKey = tuple[str, str]
"""``(scenario id, python version)``."""


@dataclass(frozen=True)
class Change:
    """One scenario, or one probe of it, that got worse or better."""

    scenario_id: str
    python: str
    probe: str | None
    """Probe name, or ``None`` for the scenario's overall verdict."""
    before: str
    after: str


@dataclass
class Comparison:
    """The differences between this run and a baseline run."""

    baseline_path: str | None
    baseline_started_at: str | None = None
    regressions: list[Change] = field(default_factory=list)
    improvements: list[Change] = field(default_factory=list)
    new: list[ScenarioKey] = field(default_factory=list)
    missing: list[ScenarioKey] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)
    """One point per run of the history, oldest first, this run last."""

    @property
    def regressed(self) -> frozenset[ScenarioKey]:
        """Keys of the scenarios with at least one regression."""
        return frozenset((c.scenario_id, c.python) for c in self.regressions)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


def compare(
    current: dict[str, Any],
    baseline: dict[str, Any],
    *,
    baseline_path: str | None = None,
    relative_tolerance: float = DEFAULT_RELATIVE_TOLERANCE,
) -> Comparison:
    """Compare ``current`` with ``baseline``, both valid run documents."""
    comparison = Comparison(
        baseline_path=baseline_path,
        baseline_started_at=(baseline.get("environment") or {}).get("started_at"),
    )
    now, before = _by_key(current), _by_key(baseline)
    comparison.new = sorted(set(now) - set(before))
    comparison.missing = sorted(set(before) - set(now))
    noise_floor = _noise_floor(current, baseline)
    unfloored: set[str] = set()
    for key in sorted(set(now) & set(before)):
        _compare_verdict(comparison, key, None, before[key], now[key])
        old_probes = before[key].get("probes") or {}
        for name, probe in sorted((now[key].get("probes") or {}).items()):
            if name not in old_probes:
                continue
            _compare_verdict(comparison, key, name, old_probes[name], probe)
            floor = noise_floor.get(name)
            if floor is None:
                unfloored.add(name)
                continue
            _compare_slope(
                comparison,
                key,
                name,
                old_probes[name],
                probe,
                floor=floor,
                relative_tolerance=relative_tolerance,
            )
    if unfloored:
        comparison.notes.append(
            "slopes not compared for probes without a measured noise floor: "
            + ", ".join(sorted(unfloored))
        )
    return comparison


def _by_key(document: dict[str, Any]) -> dict[ScenarioKey, dict[str, Any]]:
    return {(str(s["id"]), python_label(document, s)): s for s in document["scenarios"]}


def _noise_floor(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float]:
    floors: dict[str, float] = {}
    for document in (baseline, current):
        calibration = document.get("calibration") or {}
        for name, value in (calibration.get("noise_floor") or {}).items():
            if value is not None:
                floors[name] = abs(float(value))
    return floors


def _compare_verdict(
    comparison: Comparison,
    key: ScenarioKey,
    probe: str | None,
    old: dict[str, Any],
    new: dict[str, Any],
) -> None:
    old_verdict, new_verdict = Verdict(old["verdict"]), Verdict(new["verdict"])
    if old_verdict is new_verdict:
        return
    change = Change(key[0], key[1], probe, old_verdict.value, new_verdict.value)
    if new_verdict.severity > old_verdict.severity:
        comparison.regressions.append(change)
    else:
        comparison.improvements.append(change)


def _compare_slope(
    comparison: Comparison,
    key: ScenarioKey,
    probe: str,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    floor: float,
    relative_tolerance: float,
) -> None:
    old_slope, new_slope = old.get("slope_per_iter"), new.get("slope_per_iter")
    if old_slope is None or new_slope is None:
        return
    rise = new_slope - old_slope
    limit = relative_tolerance * abs(old_slope)
    if abs(rise) <= floor or abs(rise) <= limit:
        return
    unit = str(new.get("unit", ""))
    change = Change(
        key[0],
        key[1],
        probe,
        format_per_call(old_slope, unit),
        format_per_call(new_slope, unit),
    )
    if rise > 0:
        comparison.regressions.append(change)
    else:
        comparison.improvements.append(change)


def load_baseline(path: Path) -> dict[str, Any] | None:
    """Read a baseline document; ``None`` when the file does not exist.

    Raises ``ResultsFileError`` naming ``path`` when it exists but is corrupt,
    truncated or of another schema.
    """
    if not path.exists():
        return None
    return load_document(path, role="baseline")


def load_history(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Read every ``*.json`` run document in ``folder``, oldest first.

    Runs are ordered by ``environment.started_at``. Raises ``ResultsFileError``
    naming the first file that is not a valid run document.
    """
    if folder.exists() and not folder.is_dir():
        raise ResultsFileError(
            f"history {str(folder)!r} is a file, not a folder of run documents; "
            "pass it with --baseline, or pass its folder with --history"
        )
    if not folder.is_dir():
        return []
    runs = [
        (path, load_document(path, role="history file"))
        for path in sorted(folder.glob("*.json"))
    ]
    runs.sort(key=lambda run: str(run[1]["environment"].get("started_at", "")))
    return runs


def trend_point(document: dict[str, Any], label: str) -> dict[str, Any]:
    """Summarise one run for the trend chart: scenarios not clean per pattern."""
    not_clean: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for scenario in document["scenarios"]:
        name = pattern_name(scenario.get("pattern"))
        total[name] += 1
        if scenario["verdict"] != Verdict.CLEAN.value:
            not_clean[name] += 1
    environment = document.get("environment") or {}
    return {
        "label": label,
        "started_at": environment.get("started_at"),
        "git_commit": environment.get("git_commit"),
        "not_clean": dict(not_clean),
        "total": dict(total),
    }
