"""Command line of the harness: ``python -m leak_tests COMMAND``.

Each command lives in its own module under ``leak_tests.commands`` and exposes
``add_parser(subparsers)`` and ``run(args) -> int``. This module only wires them
together and turns ``LeakTestsError`` into a message on stderr and its exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from leak_tests.errors import LeakTestsError

COMMANDS = ("check", "run", "scan", "report", "merge", "soak")
"""Command names; each is the module ``leak_tests.commands.<name>``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m leak_tests",
        description="Measure callables and call sites for leaks, and report.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeatable)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"leak_tests.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # SIGTERM (from CI, a supervisor or `kill`) takes the same path as Ctrl-C,
    # so that commands stop their child processes and write partial results.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        return int(args.handler(args))
    except LeakTestsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)
