"""``leakcheck.html``: one self-contained page rendered from Jinja2 templates.

Autoescaping is on for every template, styles and scripts are inlined, charts
are inline SVG, and data reaches JavaScript only through ``tojson``, which
escapes ``<``, ``>``, ``&`` and ``'`` so that no value can end its script tag.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from leak_tests.report import views
from leak_tests.report.atomic import atomic_write
from leak_tests.report.baseline import Comparison
from leak_tests.report.merge import python_versions
from leak_tests.report.summary import build_scorecard, document_headline
from leak_tests.report.terminal import VERDICT_COLOURS, VERDICT_HELP, verdict_word

HTML_NAME = "leakcheck.html"
TEMPLATES = Path(__file__).with_name("templates")

PROBE_HELP = {
    "traced_bytes": "Bytes allocated by Python code and still alive (tracemalloc).",
    "traced_blocks": "Memory blocks allocated by Python code and still alive.",
    "rss": "Resident set size of the measuring process.",
    "uss": "Unique set size: memory freed if the process exited.",
    "py_threads": "Threads known to the threading module.",
    "os_threads": "Threads of the process as the OS counts them.",
    "fds": "Open file descriptors: sockets, pipes, epoll and event fds, files.",
    "objects.<Type>": "Live objects of one type found by the garbage collector.",
    "events.<kind>": (
        "Count of events since measuring began: destroyed pending tasks, "
        "ResourceWarnings, never-awaited coroutines, unraisable and thread errors."
    ),
}
"""One-sentence explanation of each probe, for the help section."""


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Return the Jinja environment of the report templates, autoescaping on."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True}
    return env


def render_html(document: dict[str, Any], comparison: Comparison | None = None) -> str:
    """Render the whole report as one HTML string."""
    regressed = comparison.regressed if comparison else frozenset()
    versions = python_versions(document)
    context = {
        "document": document,
        "title": _title(document),
        "headline": document_headline(document),
        "banners": views.banners(document),
        "scorecard": build_scorecard(document["scenarios"], regressions=regressed),
        "sites": views.site_sections(document),
        "calibration": views.calibration(document),
        "bursts": document.get("bursts") or [],
        "timings": views.timings(document),
        "soak_charts": views.soak_charts(document),
        "soak_rows": views.soak_rows(document),
        "versions": versions,
        "version_rows": (
            views.version_table(document, versions) if len(versions) > 1 else []
        ),
        "comparison": comparison,
        "trend_chart": views.trend_chart(comparison.trend) if comparison else None,
        "environment_rows": _environment_rows(document),
        "verdict_help": [
            (verdict, verdict_word(verdict), VERDICT_COLOURS[verdict], text)
            for verdict, text in VERDICT_HELP.items()
        ],
        "probe_help": sorted(PROBE_HELP.items()),
        "page_data": _page_data(document),
    }
    return environment().get_template("report.html").render(context)


def write_html(
    document: dict[str, Any], out_dir: Path, comparison: Comparison | None = None
) -> Path:
    """Render the report and write ``leakcheck.html`` atomically; return its path."""
    path = out_dir / HTML_NAME
    atomic_write(path, render_html(document, comparison).encode("utf-8"))
    return path


def _title(document: dict[str, Any]) -> str:
    if document.get("kind") == "check":
        return f"Leak check: {document['scenarios'][0]['id']}"
    return "Leak check of the notification call sites"


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "not recorded"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds:.0f} s ({seconds / 60:.1f} min)"


def _environment_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    env = document.get("environment") or {}
    packages = ", ".join(
        f"{name} {version or 'not installed'}"
        for name, version in sorted((env.get("packages") or {}).items())
    )
    rows = [
        ("Python", f"{env.get('implementation', '')} {env.get('python', '')}"),
        ("OS", str(env.get("os", ""))),
        ("CPUs", str(env.get("cpu_count", ""))),
        ("packages", packages),
        ("git", f"{env.get('git_branch') or '?'} @ {env.get('git_commit') or '?'}"),
        ("started", str(env.get("started_at", ""))),
        ("duration", _duration_text(env.get("duration_s"))),
    ]
    rows += [(f"setting {k}", str(v)) for k, v in sorted(document["settings"].items())]
    for source in document.get("merged_from") or []:
        rows.append(
            (
                "merged from",
                f"{source['path']} (Python "
                f"{source['environment'].get('python')}, "
                f"{source.get('scenarios')} scenarios)",
            )
        )
    return rows


def _page_data(document: dict[str, Any]) -> dict[str, Any]:
    """Return the data the page script reads: each scenario's id and verdict."""
    return {
        "scenarios": [
            {"id": s["id"], "verdict": s["verdict"], "python": s.get("python")}
            for s in document["scenarios"]
        ]
    }
