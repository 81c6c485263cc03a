"""The run's pass or fail decision, and the lines that name each failure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any


def failures(document: Mapping[str, Any]) -> list[str]:
    """Return one line per failing scenario; empty when the run passes.

    A run fails when a fixed scenario is not ``clean`` or any scenario ended in
    ``error`` or ``timeout`` (a failed delivery check or a dead server included).
    """
    lines = []
    for scenario in document["scenarios"]:
        verdict = scenario["verdict"]
        if verdict in ("error", "timeout"):
            error = (scenario.get("error") or "").strip().splitlines()
            lines.append(f"{scenario['id']}: {verdict}: {error[0] if error else ''}")
        elif scenario["pattern"] == "fixed" and verdict != "clean":
            lines.append(f"{scenario['id']}: {verdict}: {_probe_reasons(scenario)}")
    return lines


def write_failures(lines: list[str], stream: IO[str]) -> None:
    """Write the failures, or a one-line pass, to ``stream``."""
    if not lines:
        stream.write(
            "passed: every fixed scenario is clean and every delivery check passed\n"
        )
        return
    stream.write(f"FAILED: {len(lines)} scenario(s)\n")
    for line in lines:
        stream.write(f"  {line}\n")


def _probe_reasons(scenario: Mapping[str, Any]) -> str:
    reasons = [
        f"{name}: {probe.get('reason', '')}"
        for name, probe in sorted((scenario.get("probes") or {}).items())
        if probe.get("verdict") != "clean"
    ]
    return "; ".join(reasons) or "no probe named"
