"""`python -m leak_tests check TARGET`: measure one callable for leaks.

TARGET is ``package.module:function`` or ``path/to/file.py:function``, a callable
that takes no arguments. It is resolved once in this process, so that a typo is
reported before anything starts, then measured in a child process through
``measure_isolated`` with ``build_target`` as the factory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from leak_tests.commands.arguments import (
    MAX_CALLS,
    MAX_CHECKPOINTS,
    count_type,
    seconds_type,
)
from leak_tests.engine import detect
from leak_tests.engine.isolation import measure_isolated
from leak_tests.engine.result import ProbeKind, ProbeResult, Result, Status, Verdict
from leak_tests.engine.target import resolve_target
from leak_tests.errors import OutputError, UsageError
from leak_tests.report.terminal import VERDICT_STYLES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

# rich and leak_tests.report are imported inside the functions that print or
# write: the child process imports this module for ``build_target``, and every
# object those packages create would slow the live-object probe there. The text
# output avoids leak_tests.report, whose package imports matplotlib and numpy.

DEFAULT_FAIL_ON = "leak,gc_dependent,cleanup_skipped,error,timeout"
MAX_WIDTH = 100
"""Width of the printed table and text, in columns, whatever the terminal."""
ATTRIBUTION_ROWS = 5
"""Entries of each attribution list printed; the JSON keeps them all."""


def verdict_list(text: str) -> frozenset[Verdict]:
    """Parse comma-separated verdict names, such as ``leak,gc_dependent``."""
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    valid = ", ".join(verdict.value for verdict in Verdict)
    if not names:
        raise argparse.ArgumentTypeError(
            f"invalid verdict list {text!r}: name at least one of {valid}"
        )
    verdicts = set()
    for name in names:
        try:
            verdicts.add(Verdict(name))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid verdict {name!r} in {text!r}: use {valid}"
            ) from None
    return frozenset(verdicts)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="measure one zero-argument callable for leaks",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument(
        "target", help="package.module:function or path/to/file.py:function"
    )
    parser.add_argument(
        "--iterations",
        type=count_type("iterations", 1, MAX_CALLS),
        default=2000,
        help="measured calls (default: 2000)",
    )
    parser.add_argument(
        "--warmup",
        type=count_type("warm-up", 0, MAX_CALLS),
        default=100,
        help="calls before measuring, not counted (default: 100)",
    )
    parser.add_argument(
        "--checkpoints",
        type=count_type("checkpoints", 2, MAX_CHECKPOINTS),
        default=10,
        help="readings after collection, at most --iterations (default: 10)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds_type("timeout"),
        default=600.0,
        help="limit of the whole measurement, in seconds (default: 600)",
    )
    parser.add_argument(
        "--pause-gc",
        action="store_true",
        help="pause the garbage collector between checkpoints",
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="first measure an empty callable with the same settings and judge "
        "the target against the noise it shows, instead of the default floors",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the result as JSON"
    )
    parser.add_argument(
        "--fail-on",
        type=verdict_list,
        default=verdict_list(DEFAULT_FAIL_ON),
        metavar="VERDICTS",
        help=f"comma-separated verdicts that fail the check (default: "
        f"{DEFAULT_FAIL_ON})",
    )
    parser.set_defaults(handler=run)


def build_target(target: str) -> Callable[..., Any]:
    """Resolve ``target`` in the child process: the factory ``check`` measures."""
    return resolve_target(target)


def run(args: argparse.Namespace) -> int:
    """Measure the target; return 0, or 1 when a ``--fail-on`` verdict was found."""
    if args.checkpoints > args.iterations:
        raise UsageError(
            f"invalid --checkpoints {args.checkpoints}: it must not exceed "
            f"--iterations {args.iterations}; lower it or raise --iterations"
        )
    resolve_target(args.target)
    target = _absolute_target(args.target)
    if args.json is not None:
        _check_writable(args.json)

    settings = {
        "timeout": args.timeout,
        "iterations": args.iterations,
        "warmup": args.warmup,
        "checkpoints": args.checkpoints,
        "pause_gc": args.pause_gc,
    }
    noise_floor = _calibrated_floor(settings) if args.calibrate else None
    result = measure_isolated(
        f"{__name__}:build_target",
        factory_kwargs={"target": target},
        name=args.target,
        **settings,
    )
    result.target = args.target
    if noise_floor is not None:
        result = detect.judge(result, noise_floor=noise_floor)
        result.extra["noise_floor"] = noise_floor

    if args.json is not None:
        write_json(result, args.json)
    render_result(result, _console(sys.stdout))
    return 1 if result.verdict in failing_verdicts(result, args.fail_on) else 0


def _calibrated_floor(settings: dict[str, Any]) -> dict[str, float]:
    """Measure the empty control with ``settings``; return its noise per call."""
    from leak_tests.engine.controls import find_control, run_control

    empty = run_control(find_control("empty"), **settings)
    if empty.status is not Status.OK:
        raise UsageError(
            f"--calibrate failed: the empty callable ended with {empty.status.value} "
            f"({empty.error}); raise --timeout or leave out --calibrate"
        )
    return detect.calibrate_noise_floor(empty)


def failing_verdicts(result: Result, fail_on: frozenset[Verdict]) -> set[Verdict]:
    """Return the verdicts of ``result`` and its probes that are in ``fail_on``."""
    found = {result.verdict, *(probe.verdict for probe in result.probes.values())}
    return found & set(fail_on)


def write_json(result: Result, path: Path) -> None:
    """Write ``result`` with ``"kind": "check"`` to ``path`` atomically."""
    from leak_tests.report.atomic import atomic_write

    document = {"kind": "check", **result.to_dict()}
    data = json.dumps(document, indent=2, sort_keys=True).encode("utf-8")
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise OutputError(
            f"cannot write --json {str(path)!r}: {exc.strerror}; pass a writable path"
        ) from exc


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise OutputError(
            f"cannot write --json {str(path)!r}: folder {str(folder)!r} is missing "
            "or not writable; create it or pass another path"
        )


def _absolute_target(target: str) -> str:
    module_part, colon, attribute = target.rpartition(":")
    if colon and module_part.endswith(".py"):
        return f"{os.path.abspath(module_part)}:{attribute}"
    return target


def render_result(result: Result, console: Console) -> None:
    """Print the probe table, the verdict line and the attribution."""
    from rich.text import Text

    if result.probes:
        console.print(probe_table(result))
    summary = Text(verdict_line(result))
    start = summary.plain.find(result.verdict.value, len(result.target))
    if start >= 0:
        end = start + len(result.verdict.value)
        summary.stylize(VERDICT_STYLES[result.verdict.value], start, end)
    console.print(summary)
    if "noise_floor" in result.extra:
        console.print(
            "judged against the noise of an empty callable measured in this run",
            highlight=False,
        )
    for line in attribution_lines(result):
        console.print(line, highlight=False, markup=False)


def probe_table(result: Result) -> Table:
    """Build the per-probe table; event counters that counted nothing are left out."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    table.add_column("probe", overflow="fold", min_width=14, max_width=33)
    for header in ("unit", "baseline", "first", "last", "delta"):
        table.add_column(header, no_wrap=True, justify=_justify(header))
    table.add_column("per-call\nslope", justify="right", no_wrap=True)
    table.add_column("high\nwatermark", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True, min_width=len("cleanup_skipped"))
    quiet = 0
    for probe in result.probes.values():
        if _is_quiet_counter(probe):
            quiet += 1
            continue
        table.add_row(
            probe.name,
            probe.unit,
            _short(probe.baseline),
            _short(probe.first),
            _short(probe.last),
            _short(probe.delta, signed=True),
            f"{probe.slope_per_iter:+.3g}",
            _short(probe.high_watermark),
            verdict_text(probe.verdict),
        )
    if quiet:
        table.caption = f"{quiet} event counters counted nothing"
    return table


def verdict_line(result: Result) -> str:
    """Return one sentence: the target, the worst verdict, its probe and figures."""
    if result.status.value != "ok":
        last = (result.error or "").strip().splitlines()
        detail = last[-1] if last else "no error text"
        return (
            f"{result.target}: the measurement ended in {result.verdict.value}: "
            f"{detail}"
        )
    worst = _worst_probe(result)
    if worst is None or worst.verdict is Verdict.CLEAN:
        return (
            f"{result.target}: clean over {result.iterations:,} calls after "
            f"{result.warmup:,} warm-up calls."
        )
    return f"{result.target}: {worst.verdict.value} on {worst.name}: {worst.reason}"


def attribution_lines(result: Result) -> list[str]:
    """Return text lines naming where non-clean growth comes from."""
    lines: list[str] = []
    if result.status.value != "ok" and result.error:
        lines += ["error:", *_indent(result.error.strip().splitlines()[-20:])]
    found = result.attribution
    for site in found.allocations[:ATTRIBUTION_ROWS]:
        lines.append(
            f"allocated at {site.filename}:{site.lineno}: {site.size_delta:+,} B "
            f"in {site.count_delta:+,} blocks ({site.bytes_per_iter:.3g} B per call)"
        )
    for thread in found.threads[:ATTRIBUTION_ROWS]:
        kind = "daemon thread" if thread.daemon else "thread"
        lines.append(f"{kind} {thread.name!r} still alive, at:")
        lines += _indent(thread.stack[-4:])
    for fd in found.fds[:ATTRIBUTION_ROWS]:
        lines.append(f"fd {fd.fd} still open: {fd.kind} {fd.detail}")
    for record in found.creations[:ATTRIBUTION_ROWS]:
        lines.append(f"{record.count} {record.type_name} created at:")
        lines += _indent(record.stack[-3:])
    for event in found.events[:ATTRIBUTION_ROWS]:
        lines.append(f"{event.count} {event.kind} events, for example:")
        lines += _indent(event.examples[:2])
    return lines


def verdict_text(verdict: Verdict) -> Text:
    """Return ``verdict`` in its colour: red for a leak, an error or a timeout."""
    from rich.text import Text

    return Text(verdict.value, style=VERDICT_STYLES[verdict.value])


def _worst_probe(result: Result) -> ProbeResult | None:
    return max(
        result.probes.values(), key=lambda probe: probe.verdict.severity, default=None
    )


def _is_quiet_counter(probe: ProbeResult) -> bool:
    return (
        probe.kind is ProbeKind.COUNTER
        and probe.verdict is Verdict.CLEAN
        and probe.high_watermark <= 0
    )


def _justify(header: str) -> Any:
    return "left" if header in ("probe", "unit") else "right"


def _short(value: float, *, signed: bool = False) -> str:
    sign = "+" if signed else ""
    for limit, divisor, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e5, 1e3, "k")):
        if abs(value) >= limit:
            return f"{value / divisor:{sign}.1f}{suffix}"
    if value == int(value):
        return f"{int(value):{sign},}"
    return f"{value:{sign}.3g}"


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line.rstrip()}" for line in lines if line.strip()]


def write_text(result: Result, stream: IO[str]) -> None:
    """Write the table, verdict line and attribution as plain text to ``stream``."""
    render_result(result, _console(stream, plain=True))


def _console(stream: IO[str], *, plain: bool = False) -> Console:
    """Return a console exactly ``MAX_WIDTH`` columns wide, so tables never fold
    differently between a terminal, a pipe and a test."""
    from rich.console import Console

    if plain:
        return Console(file=stream, width=MAX_WIDTH, no_color=True, highlight=False)
    return Console(file=stream, width=MAX_WIDTH, highlight=False)
