"""Verdict words and colours shared by the terminal summaries and the HTML report.

The ``run`` and ``check`` commands print their summaries through these helpers
so that a verdict reads and looks the same in the terminal and in the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from leak_tests.engine.result import Verdict

MAX_WIDTH = 100
"""Widest table the summaries print, in columns."""

VERDICT_STYLES: dict[str, str] = {
    Verdict.CLEAN.value: "bold green",
    Verdict.RETAINED.value: "bold cyan",
    Verdict.GC_DEPENDENT.value: "bold yellow",
    Verdict.CLEANUP_SKIPPED.value: "bold dark_orange",
    Verdict.LEAK.value: "bold red",
    Verdict.TIMEOUT.value: "bold magenta",
    Verdict.ERROR.value: "bold white on red",
}
"""Rich style of each verdict."""

VERDICT_COLOURS: dict[str, str] = {
    Verdict.CLEAN.value: "#1a7f37",
    Verdict.RETAINED.value: "#0969da",
    Verdict.GC_DEPENDENT.value: "#9a6700",
    Verdict.CLEANUP_SKIPPED.value: "#bc4c00",
    Verdict.LEAK.value: "#cf222e",
    Verdict.TIMEOUT.value: "#8250df",
    Verdict.ERROR.value: "#6e7781",
}
"""HTML colour of each verdict, chosen to match ``VERDICT_STYLES``."""

VERDICT_WORDS: dict[str, str] = {
    Verdict.CLEAN.value: "clean",
    Verdict.RETAINED.value: "retained",
    Verdict.GC_DEPENDENT.value: "gc-dependent",
    Verdict.CLEANUP_SKIPPED.value: "cleanup skipped",
    Verdict.LEAK.value: "LEAK",
    Verdict.TIMEOUT.value: "timeout",
    Verdict.ERROR.value: "error",
}
"""Word printed for each verdict. Only the ``leak`` verdict prints "LEAK"."""

VERDICT_HELP: dict[str, str] = {
    "clean": "No probe grew beyond its noise floor once garbage was collected.",
    "retained": (
        "A bounded step: objects are kept (for example one closed loop per pool "
        "worker) but the count stops growing as calls go on."
    ),
    "gc_dependent": (
        "Resources pile up until the garbage collector runs; after gc.collect() "
        "they are gone. With the collector paused they would grow without bound."
    ),
    "cleanup_skipped": (
        "Cleanup code never ran: pending tasks destroyed, async generators not "
        "finalised, 'Task was destroyed but it is pending!' or unraisable errors."
    ),
    "leak": (
        "A probe kept growing after collection, in both halves of the run, by more "
        "than its noise floor per call."
    ),
    "timeout": "The measurement did not finish within its time limit.",
    "error": "The measurement itself failed; the error text says why.",
}
"""One-sentence explanation of each verdict, for help texts."""


def verdict_word(verdict: str) -> str:
    """Return the printed word for ``verdict``, or the raw value if unknown."""
    return VERDICT_WORDS.get(verdict, verdict)


def verdict_text(verdict: str) -> Text:
    """Return ``verdict`` as a styled rich ``Text``."""
    return Text(verdict_word(verdict), style=VERDICT_STYLES.get(verdict, "bold"))


def make_console(file: IO[str] | None = None, **kwargs: Any) -> Console:
    """Return a console at most ``MAX_WIDTH`` columns wide.

    Colour follows rich's detection (``NO_COLOR``, ``FORCE_COLOR``, a TTY).
    """
    width = kwargs.pop("width", None) or Console(file=file, **kwargs).width
    return Console(file=file, width=min(width, MAX_WIDTH), **kwargs)


def scenario_table(
    scenarios: Iterable[Mapping[str, Any]], *, title: str | None = None
) -> Table:
    """Build a table of scenarios: id, verdict, worst probe and its reason."""
    table = Table(title=title, expand=False, show_lines=False)
    table.add_column("scenario", overflow="fold", max_width=44)
    table.add_column("python", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("why", overflow="fold", max_width=40)
    for scenario in scenarios:
        table.add_row(
            str(scenario.get("id") or scenario.get("target", "?")),
            str(scenario.get("python") or ""),
            verdict_text(str(scenario.get("verdict", "error"))),
            _worst_reason(scenario),
        )
    return table


def _worst_reason(scenario: Mapping[str, Any]) -> str:
    if scenario.get("status") in ("error", "timeout"):
        error = str(scenario.get("error") or "")
        return error.strip().splitlines()[-1] if error.strip() else ""
    probes = scenario.get("probes") or {}
    worst = max(
        probes.values(),
        key=lambda probe: Verdict(probe.get("verdict", "clean")).severity,
        default=None,
    )
    if worst is None or worst.get("verdict") == Verdict.CLEAN.value:
        return ""
    return f"{worst['name']}: {worst.get('reason', '')}"
