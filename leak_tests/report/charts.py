"""Charts for the HTML report, drawn with matplotlib and returned as inline SVG.

Figures are built with ``matplotlib.figure.Figure`` and never through pyplot,
so no GUI backend or global figure state is involved. Text stays text in the
SVG (``svg.fonttype = "none"``), which keeps each chart small, and matplotlib
escapes it as XML.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure

MAX_POINTS = 200
"""Most points drawn per line; longer series are downsampled."""

SERIES_COLOURS = {
    "fixed/helper": "#1a7f37",
    "legacy/thread": "#cf222e",
    "legacy/pool": "#bc4c00",
    "fixed": "#1a7f37",
    "legacy": "#cf222e",
}
FALLBACK_COLOURS = ("#0969da", "#8250df", "#6e7781", "#9a6700")

RC_PARAMS: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial"],
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def downsample(values: Sequence[Any], max_points: int = MAX_POINTS) -> list[Any]:
    """Keep at most ``max_points`` evenly spaced items, always the first and last."""
    if len(values) <= max_points:
        return list(values)
    step = (len(values) - 1) / (max_points - 1)
    return [values[round(i * step)] for i in range(max_points)]


def plain_label(text: object) -> str:
    """Return ``text`` with ``$`` escaped, so matplotlib never reads it as math."""
    return str(text).replace("$", r"\$")


def series_colour(key: str, index: int) -> str:
    """Return the colour of a ``pattern/context`` series."""
    base = key.split(" ", 1)[0]
    return SERIES_COLOURS.get(base, FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)])


def figure_to_svg(figure: Figure, *, chart_id: str) -> str:
    """Render ``figure`` as an ``<svg>`` element without the XML prologue.

    ``chart_id`` salts the element ids so that several charts in one page
    never share an id.
    """
    buffer = io.StringIO()
    salted: dict[Any, Any] = {"svg.hashsalt": chart_id, "svg.fonttype": "none"}
    with matplotlib.rc_context(salted):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def probe_grid(
    probes: Sequence[str],
    columns: Sequence[str],
    series: Mapping[tuple[str, str], Mapping[str, Mapping[str, Any]]],
    *,
    chart_id: str,
) -> str:
    """Draw a grid of probe (rows) by condition (columns) charts.

    ``series[(probe, column)]`` maps a ``pattern/context`` key to a probe
    result dict; each gets its after-collection line (solid) and its
    before-collection line (dashed) over the checkpoints.
    """
    with matplotlib.rc_context(RC_PARAMS):
        # At least three columns wide, so the legend of a one-condition run fits.
        width, height = 2.6 * max(len(columns), 3) + 0.6, 1.7 * len(probes) + 0.5
        figure = Figure(figsize=(width, height))
        axes_grid = figure.subplots(len(probes), len(columns), squeeze=False)
        keys = sorted({key for lines in series.values() for key in lines})
        for row, probe in enumerate(probes):
            for col, column in enumerate(columns):
                axes = axes_grid[row][col]
                lines = series.get((probe, column), {})
                unit, divisor = scaled_unit(_unit_of(lines), _values(lines))
                for index, key in enumerate(keys):
                    if key in lines:
                        colour = series_colour(key, index)
                        _plot_probe(axes, lines[key], colour, key, divisor)
                axes.set_title(plain_label(f"{probe} ({unit}) · {column}"), loc="left")
                axes.tick_params(labelsize=7)
        handles, labels = _legend_entries(axes_grid)
        if handles:
            figure.legend(
                handles,
                labels,
                loc="upper center",
                ncol=min(len(labels), 4),
                frameon=False,
            )
        # Fixed margins in inches: tight_layout would take most of the time.
        figure.subplots_adjust(
            left=0.6 / width,
            right=1 - 0.15 / width,
            bottom=0.3 / height,
            top=1 - 0.5 / height,
            hspace=0.55,
            wspace=0.3,
        )
        return figure_to_svg(figure, chart_id=chart_id)


BYTE_UNITS = (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))
"""Larger units for byte figures, largest first."""


def scaled_unit(unit: str, values: Sequence[float]) -> tuple[str, float]:
    """Return the unit to draw ``values`` in and the divisor that converts them.

    Byte figures switch to KiB, MiB or GiB once the largest reaches ten of that
    unit, so that an axis reads ``85 MiB`` rather than ``8.5`` times ``1e7``.
    Other units are kept.
    """
    if unit != "B" or not values:
        return unit, 1.0
    largest = max(abs(value) for value in values)
    for name, size in BYTE_UNITS:
        if largest >= 10 * size:
            return name, float(size)
    return unit, 1.0


def _unit_of(lines: Mapping[str, Mapping[str, Any]]) -> str:
    return next((str(probe.get("unit", "")) for probe in lines.values()), "")


def _values(lines: Mapping[str, Mapping[str, Any]]) -> list[float]:
    return [
        float(reading[side])
        for probe in lines.values()
        for reading in probe.get("readings") or []
        for side in ("after_gc", "before_gc")
        if reading.get(side) is not None
    ]


def _plot_probe(
    axes: Any, probe: Mapping[str, Any], colour: str, key: str, divisor: float
) -> None:
    readings = downsample(probe.get("readings") or [])
    x = [reading["iteration"] for reading in readings]
    after = [reading["after_gc"] / divisor for reading in readings]
    before = [reading["before_gc"] / divisor for reading in readings]
    axes.plot(x, after, color=colour, linewidth=1.4, label=plain_label(key))
    axes.plot(x, before, color=colour, linewidth=0.9, linestyle="--", alpha=0.7)


def _legend_entries(axes_grid: Any) -> tuple[list[Any], list[str]]:
    handles: dict[str, Any] = {}
    for row in axes_grid:
        for axes in row:
            for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
    return list(handles.values()), list(handles)


def time_series(
    title: str,
    series: Mapping[str, Sequence[tuple[float, float | None]]],
    *,
    chart_id: str,
    x_label: str,
    y_label: str = "",
) -> str:
    """Draw one chart of several named ``(x, y)`` series (soak samples, trends)."""
    with matplotlib.rc_context(RC_PARAMS):
        figure = Figure(figsize=(6.4, 2.2))
        axes = figure.subplots()
        for index, (name, points) in enumerate(series.items()):
            kept = downsample([point for point in points if point[1] is not None])
            axes.plot(
                [point[0] for point in kept],
                [point[1] for point in kept],
                color=series_colour(name, index),
                linewidth=1.3,
                marker="o" if len(kept) < 30 else None,
                markersize=3,
                label=plain_label(name),
            )
        axes.set_title(plain_label(title), loc="left")
        axes.set_xlabel(plain_label(x_label))
        axes.set_ylabel(plain_label(y_label))
        if series:
            axes.legend(frameon=False, fontsize=7)
        figure.tight_layout()
        return figure_to_svg(figure, chart_id=chart_id)
