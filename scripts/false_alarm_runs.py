"""Run the leak matrix several times in a row and count false alarms and misses.

Usage::

    .venv/bin/python scripts/false_alarm_runs.py [--runs 20] [--iterations N]
        [--out DIR] [--markdown FILE] [-- EXTRA RUN OPTIONS]

Each run is ``python -m leak_tests run --out DIR/run-NN`` with the options given
after ``--``. The script then reads every run's ``leakcheck.json`` and reports:

- every ``fixed`` scenario whose verdict is ``leak``, ``gc_dependent``,
  ``retained`` or ``cleanup_skipped`` in any run (a false alarm: there must be
  none), and every ``fixed`` scenario that ended in ``error`` or ``timeout``;
- each calibration control's verdicts: a control expected ``clean`` must be
  clean in every run, and every other control must be flagged (any verdict but
  ``clean``) in every run.

It writes a markdown section for ``docs/benchmarks.md`` to stdout, or to
``--markdown``. Exit 0 when no false alarm and no missed control was seen, 1
otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_RUNS = 20
ALARM_VERDICTS = frozenset({"leak", "gc_dependent", "retained", "cleanup_skipped"})
"""Verdicts that, on a ``fixed`` scenario, are false alarms."""
FAILURE_VERDICTS = frozenset({"error", "timeout"})


@dataclass
class RunRecord:
    """One ``leak_tests run``: its exit code, duration and run document."""

    index: int
    exit_code: int
    duration_s: float
    document: dict[str, Any] | None
    problem: str | None = None
    """Reason the run document is missing or unreadable, or ``None``."""


@dataclass
class Tally:
    """Verdicts seen across runs, for the fixed scenarios and the controls."""

    runs: int = 0
    unreadable: list[str] = field(default_factory=list)
    fixed_verdicts: dict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    control_verdicts: dict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    control_expected: dict[str, str] = field(default_factory=dict)

    def false_alarms(self) -> dict[str, int]:
        """Return runs with an alarm verdict per fixed scenario that had any."""
        return self._fixed_runs_with(ALARM_VERDICTS)

    def fixed_failures(self) -> dict[str, int]:
        """Return runs ending in ``error`` or ``timeout`` per fixed scenario."""
        return self._fixed_runs_with(FAILURE_VERDICTS)

    def _fixed_runs_with(self, names: frozenset[str]) -> dict[str, int]:
        """Return the runs with a verdict in ``names``, per fixed scenario with any."""
        found = {}
        for scenario, verdicts in self.fixed_verdicts.items():
            count = sum(verdicts[name] for name in names)
            if count:
                found[scenario] = count
        return found

    def control_misses(self) -> dict[str, int]:
        """Return, per control, the runs whose verdict broke its expectation.

        A ``clean`` control misses when it is anything but clean; every other
        control misses when it is clean or absent from a run.
        """
        misses = {}
        for name, expected in self.control_expected.items():
            verdicts = self.control_verdicts[name]
            if expected == "clean":
                count = self.runs - verdicts["clean"]
            else:
                count = self.runs - sum(
                    n for verdict, n in verdicts.items() if verdict != "clean"
                )
                count = count if count > 0 else 0
            if count:
                misses[name] = count
        return misses


def tally(records: Sequence[RunRecord]) -> Tally:
    """Count the fixed scenarios' and the controls' verdicts over ``records``."""
    result = Tally(runs=len(records))
    for record in records:
        if record.document is None:
            result.unreadable.append(f"run {record.index}: {record.problem}")
            continue
        for scenario in record.document.get("scenarios") or []:
            if scenario.get("pattern") == "fixed":
                result.fixed_verdicts[scenario["id"]][scenario["verdict"]] += 1
        calibration = record.document.get("calibration") or {}
        for control in calibration.get("controls") or []:
            name = control["name"]
            result.control_expected[name] = control["expected_verdict"]
            result.control_verdicts[name][control["result"]["verdict"]] += 1
    return result


def load_run(index: int, out_dir: Path, exit_code: int, duration: float) -> RunRecord:
    """Read ``leakcheck.json`` of one run; a missing or broken file is noted."""
    path = out_dir / "leakcheck.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return RunRecord(index, exit_code, duration, None, f"no report at {path}")
    except (OSError, ValueError) as exc:
        return RunRecord(index, exit_code, duration, None, f"{path}: {exc}")
    if not isinstance(document, dict) or document.get("partial"):
        return RunRecord(index, exit_code, duration, None, f"{path} is partial")
    if not duration:
        environment = document.get("environment") or {}
        duration = float(environment.get("duration_s") or 0.0)
    return RunRecord(index, exit_code, duration, document)


def run_once(index: int, out_root: Path, run_args: Sequence[str]) -> RunRecord:
    """Run ``python -m leak_tests run`` once into ``out_root/run-NN``."""
    out_dir = out_root / f"run-{index:02d}"
    command = [sys.executable, "-m", "leak_tests", "run", "--out", str(out_dir)]
    command += list(run_args)
    started = time.perf_counter()
    log_path = out_root / f"run-{index:02d}.log"
    with open(log_path, "wb") as log:
        completed = subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    duration = time.perf_counter() - started
    return load_run(index, out_dir, completed.returncode, duration)


def collect(out_root: Path) -> list[RunRecord]:
    """Read the reports of earlier runs in ``out_root/run-NN`` folders."""
    folders = sorted(out_root.glob("run-[0-9][0-9]"))
    return [
        load_run(index, folder, 0, 0.0)
        for index, folder in enumerate(folders, start=1)
        if folder.is_dir()
    ]


def markdown(
    result: Tally, records: Sequence[RunRecord], command: str, settings: dict[str, Any]
) -> str:
    """Return the markdown section of the results."""
    durations = [record.duration_s for record in records]
    lines = [
        "## False alarms and missed leaks",
        "",
        f"`{command}`: {result.runs} run(s) of `python -m leak_tests run` in a row "
        f"on Python {platform.python_version()} ({platform.system()}, "
        f"{_cpu_count()} CPUs), {_settings_text(settings)}; "
        f"{sum(durations) / 60:.1f} min in all, {_duration_range(durations)}.",
        "",
        "| fixed scenario | runs | verdicts | false alarms |",
        "| --- | ---: | --- | ---: |",
    ]
    alarms = result.false_alarms()
    for scenario, verdicts in sorted(result.fixed_verdicts.items()):
        lines.append(
            f"| `{scenario}` | {sum(verdicts.values())} | {_counts(verdicts)} "
            f"| {alarms.get(scenario, 0)} |"
        )
    lines += [
        "",
        "| control | expected | verdicts | missed |",
        "| --- | --- | --- | ---: |",
    ]
    misses = result.control_misses()
    for name, expected in sorted(result.control_expected.items()):
        verdicts = result.control_verdicts[name]
        lines.append(
            f"| `{name}` | {expected} | {_counts(verdicts)} | {misses.get(name, 0)} |"
        )
    lines += ["", _conclusion(result)]
    lines += [f"- {note}" for note in result.unreadable]
    return "\n".join(lines) + "\n"


def _conclusion(result: Tally) -> str:
    alarms = sum(result.false_alarms().values())
    failures = sum(result.fixed_failures().values())
    misses = result.control_misses()
    clean_misses = sum(
        n for name, n in misses.items() if result.control_expected[name] == "clean"
    )
    leak_misses = sum(misses.values()) - clean_misses
    return (
        f"False alarms on fixed scenarios: {alarms}. Fixed scenarios ending in "
        f"error or timeout: {failures}. Clean controls flagged: {clean_misses}. "
        f"Known leaks missed: {leak_misses}. Unreadable runs: "
        f"{len(result.unreadable)}."
    )


def _duration_range(durations: Sequence[float]) -> str:
    if not durations:
        return "no run"
    ordered = sorted(durations)
    median = ordered[len(ordered) // 2]
    return (
        f"{ordered[0] / 60:.1f} to {ordered[-1] / 60:.1f} min a run "
        f"(median {median / 60:.1f})"
    )


def _counts(verdicts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(verdicts.items()))


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


def _settings_text(settings: dict[str, Any]) -> str:
    if not settings:
        return "settings unknown"
    return (
        f"{settings.get('iterations')} measured calls after "
        f"{settings.get('warmup')} warm-up calls per ok scenario, "
        f"{settings.get('fault_iterations')} after {settings.get('fault_warmup')} "
        f"per fault scenario, {settings.get('checkpoints')} checkpoints, a "
        f"{settings.get('job_timeout')} s job timeout against a "
        f"{settings.get('stall')} s stall in the slow condition, "
        f"{settings.get('jobs')} jobs"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/false_alarm_runs.py",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument(
        "--runs",
        type=_positive_int,
        default=DEFAULT_RUNS,
        help=f"runs of the matrix in a row ({DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--iterations",
        type=_positive_int,
        default=None,
        help="measured calls per ok scenario (default: the run command's)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reports/false_alarms"),
        help="folder for each run's report and log (reports/false_alarms)",
    )
    parser.add_argument(
        "--markdown", type=Path, default=None, help="write the section to FILE"
    )
    parser.add_argument(
        "--collect-only",
        action="store_true",
        help="run nothing: tally the run-NN folders already in --out",
    )
    parser.add_argument(
        "run_args", nargs="*", help="options passed to `leak_tests run` (after --)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run_args = list(args.run_args)
    if args.iterations is not None:
        run_args += ["--iterations", str(args.iterations)]
    args.out.mkdir(parents=True, exist_ok=True)
    records = []
    if args.collect_only:
        records = collect(args.out)
        if not records:
            sys.stderr.write(
                f"error: no run-NN folder in {str(args.out)!r}; pass the --out "
                "folder of an earlier run, or leave out --collect-only\n"
            )
            return 2
    for index in range(1, 0 if args.collect_only else args.runs + 1):
        record = run_once(index, args.out, run_args)
        note = f"; {record.problem}" if record.problem else ""
        sys.stderr.write(
            f"run {index}/{args.runs}: exit {record.exit_code} in "
            f"{record.duration_s:.0f} s{note}\n"
        )
        records.append(record)

    result = tally(records)
    settings = next(
        (r.document.get("settings") or {} for r in records if r.document), {}
    )
    command = "python scripts/false_alarm_runs.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    section = markdown(result, records, command.strip(), settings)
    if args.markdown is not None:
        args.markdown.write_text(section, encoding="utf-8")
    sys.stdout.write(section)
    clean = not result.false_alarms() and not result.control_misses()
    return 0 if clean and not result.unreadable else 1


if __name__ == "__main__":
    sys.exit(main())
