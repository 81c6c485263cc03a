"""``python -m leak_tests run``: the leak matrix of every call site, side by side."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from leak_tests.catalog.names import (
    CONDITIONS,
    CONTEXTS,
    DEFAULT_CONDITIONS,
    PATTERNS,
    SITE_IDS,
)
from leak_tests.commands.arguments import (
    MAX_CALLS,
    MAX_CHECKPOINTS,
    MAX_SECONDS,
    count_type,
    seconds_type,
)
from leak_tests.errors import UsageError
from leak_tests.matrix import settings as defaults
from leak_tests.matrix.plan import (
    ScenarioSpec,
    parse_choices,
    parse_shard,
    plan_scenarios,
    select_shard,
)
from leak_tests.matrix.settings import MatrixSettings

MAXIMUMS = {
    "--checkpoints": MAX_CHECKPOINTS,
    "--jobs": 64,
    "--burst-size": 5_000,
    "--pool-workers": 1_000,
}
MINIMUMS = {"--warmup": 0, "--fault-warmup": 0, "--checkpoints": 2}
MIB = 1024 * 1024
MAX_MEMORY_MIB = 1024 * 1024
"""1 TiB: more than any machine the harness runs on."""
MIN_MEMORY_MIB = 1024
"""Smallest cap taken: a measuring child maps about 80 MiB for its imports alone,
and each worker thread reserves a stack of up to 8 MiB."""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="measure every call site under the fixed and the old pattern",
        description=(
            "Scan app/ for the old event-loop pattern, then measure each call "
            "site's notification job under the fixed helper and the old "
            "hand-made loop against local SMTP and WhatsApp servers, and write "
            "leakcheck.json and leakcheck.html. Exit 0 when every fixed scenario "
            "is clean and every delivery check passed, 1 otherwise, 2 on usage "
            "errors."
        ),
    )
    _add_filters(parser)
    _add_figures(parser)
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="report folder (reports)"
    )
    parser.add_argument(
        "--shard",
        type=parse_shard,
        default=None,
        metavar="I/N",
        help="measure only shard I of N of the selected scenarios, so that N "
        "machines cover them once (bursts run in shard 1 only)",
    )
    parser.add_argument(
        "--fixed-dispatch", default=None, help=argparse.SUPPRESS, metavar="MOD:FUNC"
    )
    parser.set_defaults(handler=run)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    choices = {
        "--sites": SITE_IDS,
        "--patterns": PATTERNS,
        "--contexts": CONTEXTS,
    }
    for option, valid in choices.items():
        parser.add_argument(
            option, default=None, help=f"comma-separated subset of: {', '.join(valid)}"
        )
    parser.add_argument(
        "--conditions",
        default=",".join(DEFAULT_CONDITIONS),
        help=f"comma-separated subset of: {', '.join(CONDITIONS)} "
        f"(default: {','.join(DEFAULT_CONDITIONS)})",
    )


def _add_figures(parser: argparse.ArgumentParser) -> None:
    integers: dict[str, tuple[int, str]] = {
        "--iterations": (
            defaults.DEFAULT_ITERATIONS,
            "measured calls per ok scenario",
        ),
        "--fault-iterations": (
            defaults.DEFAULT_FAULT_ITERATIONS,
            "measured calls per slow, failing or dropped scenario",
        ),
        "--warmup": (defaults.DEFAULT_WARMUP, "calls before measuring ok scenarios"),
        "--fault-warmup": (
            defaults.DEFAULT_FAULT_WARMUP,
            "calls before measuring fault scenarios",
        ),
        "--checkpoints": (defaults.DEFAULT_CHECKPOINTS, "readings per scenario"),
        "--jobs": (os.cpu_count() or 1, "scenarios measured at once"),
        "--burst-size": (defaults.DEFAULT_BURST_SIZE, "dispatches per burst"),
        "--pool-workers": (4, "worker threads of the legacy pool context"),
    }
    for option, (count, text) in integers.items():
        limit = MAXIMUMS.get(option, MAX_CALLS)
        name = option.removeprefix("--").replace("-", " ")
        parser.add_argument(
            option,
            type=count_type(name, MINIMUMS.get(option, 1), limit),
            default=count,
            help=f"{text} ({count}, at most {limit:,})",
        )
    seconds: dict[str, tuple[float, str]] = {
        "--timeout": (defaults.DEFAULT_SCENARIO_TIMEOUT, "seconds per scenario"),
        "--job-timeout": (
            defaults.DEFAULT_JOB_TIMEOUT,
            "seconds each job may take in the slow condition",
        ),
        "--stall": (defaults.DEFAULT_STALL, "seconds the slow servers stall"),
    }
    for option, (default, text) in seconds.items():
        parser.add_argument(
            option,
            type=seconds_type(option.removeprefix("--").replace("-", " ")),
            default=default,
            help=f"{text} ({default}, at most {MAX_SECONDS:,.0f})",
        )
    parser.add_argument(
        "--no-burst", action="store_true", help="skip the burst of dispatches"
    )
    default_mib = defaults.DEFAULT_MEMORY_LIMIT // MIB
    parser.add_argument(
        "--memory-limit",
        type=count_type("memory limit", MIN_MEMORY_MIB, MAX_MEMORY_MIB),
        default=default_mib,
        metavar="MIB",
        help=f"address space each scenario's child process may map, in MiB "
        f"({default_mib}, from {MIN_MEMORY_MIB} to {MAX_MEMORY_MIB:,})",
    )


def scenarios_from_args(args: argparse.Namespace) -> list[ScenarioSpec]:
    """Return the filtered scenario list; raises ``UsageError`` on bad filters."""
    specs = plan_scenarios(
        sites=parse_choices("--sites", args.sites, SITE_IDS),
        patterns=parse_choices("--patterns", args.patterns, PATTERNS),
        contexts=parse_choices("--contexts", args.contexts, CONTEXTS),
        conditions=parse_choices("--conditions", args.conditions, CONDITIONS),
    )
    if not specs:
        raise UsageError(
            "the filters select no scenario: the fixed pattern runs only in the "
            "helper context and the legacy pattern only in thread or pool"
        )
    if args.shard is not None:
        index, count = args.shard
        specs = select_shard(specs, index, count)
        if not specs:
            raise UsageError(
                f"--shard {index}/{count} selects no scenario: the filters select "
                f"fewer than {index}; use at most that many shards"
            )
    return specs


def settings_from_args(args: argparse.Namespace) -> MatrixSettings:
    """Return the run's settings from the parsed options."""
    return MatrixSettings(
        iterations=args.iterations,
        fault_iterations=args.fault_iterations,
        warmup=args.warmup,
        fault_warmup=args.fault_warmup,
        checkpoints=args.checkpoints,
        jobs=args.jobs,
        scenario_timeout=args.timeout,
        job_timeout=args.job_timeout,
        stall=args.stall,
        pool_workers=args.pool_workers,
        burst=not args.no_burst and (args.shard is None or args.shard[0] == 1),
        memory_limit=args.memory_limit * MIB,
        burst_size=args.burst_size,
        fixed_dispatch=args.fixed_dispatch,
        shard=None if args.shard is None else "{}/{}".format(*args.shard),
    )


def run(args: argparse.Namespace) -> int:
    from leak_tests.matrix.leakcheck import run_leakcheck

    specs = scenarios_from_args(args)
    settings = settings_from_args(args)
    return run_leakcheck(specs, settings, args.out, sys.stdout, sys.stderr)
