"""Terminal summary of a matrix run: one row per scenario, at most 100 columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from leak_tests.report.terminal import VERDICT_STYLES

SUMMARY_WIDTH = 100

LOOP_PROBE = "objects.EventLoop"


def per_call_figures(scenario: Mapping[str, Any]) -> dict[str, float | None]:
    """Pick the summary figures from one scenario entry of the run document.

    ``traced_b_per_call`` is the traced-bytes delta and ``events_per_call`` the
    events counted, each divided by the measured calls. ``fds``, ``threads`` and
    ``loops`` are what the last after-collection reading kept above the baseline
    taken before the warm-up, so a step during the warm-up (the loops a pool's
    workers keep) shows. Missing probes give ``None``.
    """
    probes: Mapping[str, Any] = scenario.get("probes") or {}
    iterations = max(int(scenario.get("iterations") or 0), 1)

    def kept(name: str) -> float | None:
        probe = probes.get(name)
        return None if probe is None else float(probe["last"] - probe["baseline"])

    traced = probes.get("traced_bytes")
    loops = kept(LOOP_PROBE)
    event_deltas = [
        float(probe["delta"])
        for name, probe in probes.items()
        if name.startswith("events.")
    ]
    return {
        "traced_b_per_call": None if traced is None else traced["delta"] / iterations,
        "fds": kept("fds"),
        "threads": kept("py_threads"),
        "loops": loops,
        "events_per_call": sum(event_deltas) / iterations if event_deltas else None,
    }


def build_table(scenarios: Sequence[Mapping[str, Any]]) -> Table:
    """Build the summary table: verdict and key per-call deltas per scenario."""
    table = Table(
        box=None,
        pad_edge=False,
        padding=(0, 1),
        header_style="bold",
        caption="context helper runs the fixed pattern; thread and pool the old one",
    )
    for header in ("site", "context", "cond", "verdict"):
        table.add_column(header, no_wrap=True)
    for header in ("B/call", "+fds", "+thr", "+loops", "ev/call", "exp"):
        table.add_column(header, justify="right", no_wrap=True)
    for scenario in scenarios:
        figures = per_call_figures(scenario)
        verdict = str(scenario.get("verdict", "error"))
        table.add_row(
            scenario["site"],
            scenario["context"],
            scenario["condition"],
            f"[{VERDICT_STYLES.get(verdict, 'bold red')}]{verdict}[/]",
            _number(figures["traced_b_per_call"], 1),
            _number(figures["fds"], 0),
            _number(figures["threads"], 0),
            _number(figures["loops"], 0),
            _number(figures["events_per_call"], 2),
            _match_text(scenario.get("matches_expectation")),
        )
    return table


def write_summary(scenarios: Sequence[Mapping[str, Any]], stream: IO[str]) -> None:
    """Write the summary table to ``stream``."""
    console = Console(file=stream, width=SUMMARY_WIDTH, soft_wrap=False)
    console.print(build_table(scenarios))


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f}" if value else "0"


def _match_text(matches: bool | None) -> str:
    if matches is None:
        return "-"
    return "yes" if matches else "[red]NO[/]"
