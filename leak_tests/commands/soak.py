"""`python -m leak_tests soak`: soak the live service with each dispatch pattern.

The results become the run document's ``soak`` section. When ``--out`` already
contains a ``leakcheck.json``, the section is merged into it (its scenarios stay);
otherwise a new document with no scenarios is written. Either way the reports
are written by ``leak_tests.report.write_reports`` as ``leakcheck.json`` and
``leakcheck.html``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from leak_tests.errors import UsageError
from leak_tests.soak.run import PATTERNS, SoakSettings, run_soak

DEFAULTS = SoakSettings()


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "soak",
        help="drive the live service with each dispatch pattern and sample it",
        description=(
            "Start the service under uvicorn with local SMTP and WhatsApp peers, "
            "send admin requests that dispatch every notification site, sample "
            "the server process with psutil, and stop it with SIGTERM while jobs "
            "are in flight."
        ),
    )
    parser.add_argument(
        "--duration", type=float, default=DEFAULTS.duration, metavar="SECONDS",
        help=f"seconds of measured traffic per pattern (default {DEFAULTS.duration:g})",
    )  # fmt: skip
    parser.add_argument(
        "--rate", type=float, default=DEFAULTS.rate, metavar="N",
        help=f"requests per second (default {DEFAULTS.rate:g})",
    )  # fmt: skip
    parser.add_argument(
        "--patterns", default=",".join(DEFAULTS.patterns), metavar="LIST",
        help="comma-separated patterns to soak, from fixed and legacy "
        "(default fixed,legacy)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), metavar="DIR",
        help="folder for leakcheck.json and leakcheck.html (default reports)",
    )  # fmt: skip
    parser.add_argument(
        "--sample-interval", type=float, default=DEFAULTS.sample_interval,
        metavar="S",
        help="seconds between samples of the server process "
        f"(default {DEFAULTS.sample_interval:g})",
    )  # fmt: skip
    parser.add_argument(
        "--port", type=int, default=None, metavar="P",
        help="server port on 127.0.0.1 (default: a free port)",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def settings_from_args(args: argparse.Namespace) -> SoakSettings:
    """Check the options and return the soak settings; raise ``UsageError``."""
    patterns = tuple(p.strip() for p in args.patterns.split(",") if p.strip())
    unknown = [p for p in patterns if p not in PATTERNS]
    if unknown or not patterns:
        raise UsageError(
            f"--patterns {args.patterns!r} is invalid; use a comma-separated "
            f"list of {', '.join(PATTERNS)}"
        )
    for option, value in (
        ("--duration", args.duration),
        ("--rate", args.rate),
        ("--sample-interval", args.sample_interval),
    ):
        if not value > 0:
            raise UsageError(f"{option} {value:g} is invalid; give a positive number")
    if args.port is not None and not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is invalid; give a port from 1 to 65535")
    return SoakSettings(
        duration=args.duration,
        rate=args.rate,
        patterns=tuple(dict.fromkeys(patterns)),
        sample_interval=args.sample_interval,
        port=args.port,
    )


def run(args: argparse.Namespace) -> int:
    from leak_tests.soak.document import check_out_dir, summary_lines, write_soak

    settings = settings_from_args(args)
    check_out_dir(args.out)
    started_at = datetime.now(timezone.utc)
    started = time.monotonic()
    soak = run_soak(settings, progress=sys.stderr)
    path = write_soak(
        soak, args.out, started_at=started_at, duration_s=time.monotonic() - started
    )
    _write(sys.stdout, summary_lines(soak))
    sys.stdout.write(f"reports written to {path.parent}\n")
    return soak_exit_code(soak, sys.stderr)


def soak_exit_code(soak: dict[str, Any], stream: TextIO) -> int:
    """Return 1 when the fixed pattern leaks or any stop lost a notification."""
    code = 0
    for pattern, summary in soak["patterns"].items():
        if not summary["stop"]["clean"]:
            stream.write(
                f"soak {pattern}: the stop was not clean (exit code "
                f"{summary['stop']['exit_code']}, lost {summary['delivery']['lost']}, "
                f"messages {summary['delivery']['delivered_messages']} of "
                f"{summary['delivery']['expected_messages']})\n"
            )
            code = 1
    fixed = soak["patterns"].get("fixed")
    if fixed is not None and fixed["verdict"] == "leak":
        stream.write("soak fixed: the fixed helper's server leaks; see the report\n")
        code = 1
    return code


def _write(stream: TextIO, lines: list[str]) -> None:
    stream.write("\n".join(lines) + "\n")
