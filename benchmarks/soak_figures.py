"""Run the default soak and print its figures as a markdown section.

    .venv/bin/python benchmarks/soak_figures.py [--duration S] [--rate N]

Soaks the service with the fixed helper and with the old pattern swapped in
(``leak_tests.soak``). For each pattern it prints peak and final RSS, threads
and fds, p50 and p99 request latency and requests per second. A second table
gives the verdict of each sampled series and the notifications accounted for
at the SIGTERM stop.
"Final" is the idle server after the measured traffic, once every dispatched
job has finished. Progress lines go to stderr.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence
from typing import Any

from leak_tests.soak.run import SoakSettings, run_soak

DEFAULTS = SoakSettings()


def markdown(soak: dict[str, Any]) -> str:
    """Return the figures of a soak section as a markdown section."""
    settings = soak["settings"]
    lines = [
        "## Soak of the live service",
        "",
        f"`benchmarks/soak_figures.py --duration {settings['duration']:g} --rate "
        f"{settings['rate']:g}`: {settings['duration']:g} s of measured traffic per "
        f"pattern at {settings['rate']:g} requests per second, sampled every "
        f"{settings['sample_interval']:g} s; CPython {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()}.",
        "",
        "| pattern | peak RSS | final RSS | peak threads | final threads | peak fds "
        "| final fds | p50 ms | p99 ms | req/s | errors | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- |",
    ]
    for pattern, summary in soak["patterns"].items():
        lines.append(_row(pattern, summary))
    lines += ["", "| pattern | series verdicts | dispatched | delivered messages "
              "| failed | lost | in flight at SIGTERM | exit code |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for pattern, summary in soak["patterns"].items():
        lines.append(_stop_row(pattern, summary))
    return "\n".join(lines)


def _row(pattern: str, summary: dict[str, Any]) -> str:
    peaks, final = summary["high_watermarks"], summary["final"]
    traffic = summary["traffic"]
    cells = [
        pattern,
        _mib(peaks["rss"]),
        _mib(final["rss"]),
        f"{peaks['threads']:.0f}",
        f"{final['threads']:.0f}",
        f"{peaks['fds']:.0f}",
        f"{final['fds']:.0f}",
        f"{traffic['latency']['p50_ms']:.1f}",
        f"{traffic['latency']['p99_ms']:.1f}",
        f"{traffic['rps']:.1f}",
        str(traffic["errors"]),
        summary["verdict"],
    ]
    return "| " + " | ".join(cells) + " |"


def _stop_row(pattern: str, summary: dict[str, Any]) -> str:
    verdicts = ", ".join(
        f"{name} {item['verdict']}" for name, item in summary["verdicts"].items()
    )
    delivery, stop = summary["delivery"], summary["stop"]
    cells = [
        pattern,
        verdicts,
        str(delivery["dispatched"]),
        f"{delivery['delivered_messages']} of {delivery['expected_messages']}",
        str(delivery["failed"]),
        str(delivery["lost"]),
        str(stop["in_flight_at_sigterm"]),
        str(stop["exit_code"]),
    ]
    return "| " + " | ".join(cells) + " |"


def _mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=DEFAULTS.duration)
    parser.add_argument("--rate", type=float, default=DEFAULTS.rate)
    parser.add_argument("--patterns", default=",".join(DEFAULTS.patterns))
    args = parser.parse_args(argv)
    settings = SoakSettings(
        duration=args.duration,
        rate=args.rate,
        patterns=tuple(args.patterns.split(",")),
    )
    soak = run_soak(settings, progress=sys.stderr)
    sys.stdout.write(markdown(soak) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
