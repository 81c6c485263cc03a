"""Put a soak's results into a run document and summarize them as text.

Shape of the ``soak`` section (plain JSON)::

    {"settings": {duration, rate, patterns, sample_interval, ...},
     "samples": {pattern: [{t_s, rss, uss, threads, fds, connections}]},
     "patterns": {pattern: {
        "verdict", "verdicts": {probe: {verdict, reason, slope_per_request,
                                         baseline, last, delta}},
        "high_watermarks": {rss, uss, threads, fds, connections},
        "baseline": sample, "final": sample, "samples_taken", "max_sample_gap_s",
        "warmup" and "traffic": {requests, errors, accepted, skipped, duration_s,
                                 rps, latency: {p50_ms, p90_ms, p99_ms, max_ms},
                                 statuses, dispatched},
        "fds_added": [{fd, kind, detail}] open at the final reading, not at the
                     baseline,
        "stop": {exit_code, stop_s, in_flight_at_sigterm, requests, errors, clean},
        "delivery": {accepted, dispatched, succeeded, failed, lost,
                     expected_messages, delivered_messages, by_peer, complete},
        "dispatches": the server's exit counters, by site,
        "service_stats": GET /admin/notifications/stats before SIGTERM}}}
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from leak_tests.engine.result import SCHEMA_VERSION
from leak_tests.report import load_document, write_reports
from leak_tests.report.atomic import ensure_writable_dir
from leak_tests.report.document import collect_environment, finite

REPORT_NAME = "leakcheck.json"


def soak_document(
    soak: dict[str, Any],
    existing: dict[str, Any] | None,
    *,
    started_at: datetime | None = None,
    duration_s: float | None = None,
) -> dict[str, Any]:
    """Return ``existing`` with its ``soak`` section replaced, or a new document.

    A new document's environment block records ``started_at`` and ``duration_s``
    of the soak; an existing document keeps the environment of its own run.
    """
    if existing is not None:
        document = dict(existing)
    else:
        document = {
            "schema_version": SCHEMA_VERSION,
            "kind": "leakcheck",
            "partial": False,
            "settings": {"soak": soak["settings"]},
            "scenarios": [],
            "environment": collect_environment(
                started_at=started_at, duration_s=duration_s
            ),
        }
    document["soak"] = finite(soak)
    return document


def write_soak(
    soak: dict[str, Any],
    out_dir: Path,
    *,
    started_at: datetime | None = None,
    duration_s: float | None = None,
) -> Path:
    """Write the soak into ``out_dir``'s run document; return the JSON path.

    An existing ``leakcheck.json`` there is read, validated and kept, with its
    ``soak`` section replaced; raises ``ResultsFileError`` when it is invalid.
    """
    path = out_dir / REPORT_NAME
    existing = load_document(path) if path.exists() else None
    document = soak_document(
        soak, existing, started_at=started_at, duration_s=duration_s
    )
    write_reports(document, out_dir)
    return path


def check_out_dir(out_dir: Path) -> None:
    """Check before any traffic that the soak's results can be written.

    Raises ``OutputError`` when ``out_dir`` cannot be written and
    ``ResultsFileError`` when its ``leakcheck.json`` is invalid, so that a soak
    of several minutes never ends with results it cannot save.
    """
    ensure_writable_dir(out_dir)
    path = out_dir / REPORT_NAME
    if path.exists():
        load_document(path)


def summary_lines(soak: dict[str, Any]) -> list[str]:
    """Return a plain-text table: one row per pattern with peaks, latency and stop."""
    header = (
        f"{'pattern':<8} {'verdict':<9} {'peak rss':>9} {'final rss':>9} "
        f"{'threads':>7} {'fds':>5} {'p50 ms':>7} {'p99 ms':>7} {'rps':>6} "
        f"{'errors':>6} {'lost':>4} {'msgs':>11} exit"
    )
    lines = [header]
    for pattern, summary in soak["patterns"].items():
        peaks = summary["high_watermarks"]
        traffic = summary["traffic"]
        delivery = summary["delivery"]
        messages = f"{delivery['delivered_messages']}/{delivery['expected_messages']}"
        lines.append(
            f"{pattern:<8} {summary['verdict']:<9} {_mib(peaks['rss']):>9} "
            f"{_mib(summary['final']['rss']):>9} {peaks['threads']:>7.0f} "
            f"{peaks['fds']:>5.0f} {traffic['latency']['p50_ms']:>7.1f} "
            f"{traffic['latency']['p99_ms']:>7.1f} {traffic['rps']:>6.1f} "
            f"{traffic['errors']:>6} {delivery['lost']:>4} {messages:>11} "
            f"{summary['stop']['exit_code']}"
        )
        for name, verdict in summary["verdicts"].items():
            if verdict["verdict"] != "clean":
                lines.append(f"  {name}: {verdict['reason']}")
        for fd in summary.get("fds_added") or []:
            lines.append(f"  added fd {fd['fd']}: {fd['kind']} {fd['detail']}")
    return lines


def _mib(value: float) -> str:
    return f"{value / 2**20:.1f}M"
