"""``run``'s whole job: guard ``app/``, calibrate, measure the matrix, report.

Scenarios run ``settings.jobs`` at a time. Each parallel worker owns a pair of
local servers, sets the scenario's condition on them, measures the scenario in
a child process and checks the deliveries against the servers' counts.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from leak_tests.engine import controls
from leak_tests.engine.isolation import terminate_children
from leak_tests.engine.result import Result, Status, Verdict
from leak_tests.errors import LeakTestsError
from leak_tests.matrix.bursts import run_bursts
from leak_tests.matrix.calibration import run_calibration
from leak_tests.matrix.document import build_document, write_document
from leak_tests.matrix.guard import guard_app
from leak_tests.matrix.outcome import failures, write_failures
from leak_tests.matrix.plan import ScenarioSpec
from leak_tests.matrix.pool import ServerPool, submit_with_servers
from leak_tests.matrix.servers import ServerPair
from leak_tests.matrix.settings import MatrixSettings
from leak_tests.matrix.summary import write_summary
from leak_tests.matrix.worker import run_scenario, scenario_entry
from leak_tests.report.atomic import ensure_writable_dir

logger = logging.getLogger(__name__)

PARTIAL_FOLDER = "partial"
"""Subfolder of ``--out`` for the reports of an interrupted run."""

STOP_TIMEOUT_S = 30.0
"""Seconds an interrupted run waits for its workers to return."""


def run_leakcheck(
    specs: Sequence[ScenarioSpec],
    settings: MatrixSettings,
    out_dir: Path,
    stdout: IO[str],
    stderr: IO[str],
) -> int:
    """Run the whole leak check and return the exit code (0 clean, 1 failed).

    An interrupt (Ctrl-C or SIGTERM) stops the child processes, writes what was
    measured to ``out_dir/partial/`` marked as partial, and re-raises, so the
    reports of the last complete run in ``out_dir`` stay as they were.
    """
    ensure_writable_dir(out_dir)
    if guard_app(stderr):
        return 1
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    collected: dict[str, Any] = {"scenarios": [], "calibration": None, "bursts": []}
    previous = _interrupt_on_sigterm()
    try:
        _measure_all(specs, settings, collected, stderr)
    except KeyboardInterrupt:
        document = build_document(
            collected, settings, started_at, time.perf_counter() - started, True
        )
        partial_dir = out_dir / PARTIAL_FOLDER
        write_document(document, partial_dir)
        stderr.write(
            f"interrupted: {len(document['scenarios'])} of {len(specs)} scenarios "
            f"measured; partial reports in {partial_dir}\n"
        )
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    document = build_document(
        collected, settings, started_at, time.perf_counter() - started, False
    )
    paths = write_document(document, out_dir)
    write_summary(document["scenarios"], stdout)
    stdout.write(settings.describe() + "\n")
    stdout.write(f"reports: {', '.join(str(path) for path in paths)}\n")
    found = failures(document)
    write_failures(found, stdout)
    return 1 if found else 0


def _measure_all(
    specs: Sequence[ScenarioSpec],
    settings: MatrixSettings,
    collected: dict[str, Any],
    stderr: IO[str],
) -> None:
    bursts = 3 if settings.burst else 0
    total = len(controls.CONTROLS) + len(specs) + bursts
    servers = ServerPool(settings.jobs)
    started = time.perf_counter()
    executor = ThreadPoolExecutor(settings.jobs, thread_name_prefix="matrix")
    with _progress(stderr) as progress:
        task = progress.add_task("calibration", total=total)

        def advance(label: str) -> None:
            progress.update(task, advance=1, description=label)
            if not progress.console.is_terminal:
                # Without a terminal rich draws the bar only when it stops, so
                # logs get one line per finished item.
                done = int(progress.tasks[0].completed)
                elapsed = time.perf_counter() - started
                stderr.write(f"[{done}/{total}] {label} ({elapsed:.0f} s)\n")

        try:
            collected["calibration"] = run_calibration(
                executor, settings, lambda: advance("calibration")
            )
            noise_floor = collected["calibration"]["noise_floor"]
            _run_scenarios(
                specs, settings, noise_floor, executor, servers, collected, advance
            )
            if settings.burst:
                collected["bursts"] = run_bursts(
                    specs, settings, servers, lambda: advance("bursts")
                )
        except KeyboardInterrupt:
            _stop_workers(executor)
            raise
        finally:
            executor.shutdown(wait=True)
            servers.close()


def _stop_workers(executor: ThreadPoolExecutor) -> None:
    """Cancel queued work and end the children of running work.

    The worker threads then return promptly. Without this, leaving the executor
    would wait for every queued scenario.
    """
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        terminate_children()
        if not any(thread.is_alive() for thread in _worker_threads(executor)):
            return
        time.sleep(0.1)
    logger.warning(
        "matrix workers still running %.0f s after the interrupt", STOP_TIMEOUT_S
    )


def _worker_threads(executor: ThreadPoolExecutor) -> list[threading.Thread]:
    # ThreadPoolExecutor keeps its threads in ``_threads`` on CPython 3.10-3.13.
    return list(getattr(executor, "_threads", ()))


def _run_scenarios(
    specs: Sequence[ScenarioSpec],
    settings: MatrixSettings,
    noise_floor: dict[str, float],
    executor: ThreadPoolExecutor,
    servers: ServerPool,
    collected: dict[str, Any],
    advance: Callable[[str], None],
) -> None:
    futures: list[Future[dict[str, Any]]] = []
    for index, spec in enumerate(specs, start=1):
        work = functools.partial(
            _scenario_work,
            spec,
            tag=f"{index:04d}",
            settings=settings,
            noise_floor=noise_floor,
        )
        futures.append(submit_with_servers(executor, servers, work))
    specs_of = {future: spec for spec, future in zip(specs, futures, strict=True)}
    entries: dict[ScenarioSpec, dict[str, Any]] = {}
    try:
        for future in as_completed(futures):
            spec = specs_of[future]
            entries[spec] = _entry_or_error(spec, future)
            advance(spec.id)
    finally:
        # In catalog order, and on an interrupt only those that finished.
        collected["scenarios"].extend(
            entries[spec] for spec in specs if spec in entries
        )


def _entry_or_error(
    spec: ScenarioSpec, future: Future[dict[str, Any]]
) -> dict[str, Any]:
    """Return the scenario's entry, or an ``error`` entry when its work raised,
    for example when its local servers could not be started."""
    try:
        return future.result()
    except LeakTestsError as exc:
        message = str(exc)
    except Exception as exc:
        logger.exception("%s failed in the harness", spec.id)
        message = f"the harness failed: {type(exc).__name__}: {exc}"
    result = Result(
        target=spec.id,
        iterations=0,
        warmup=0,
        checkpoints=0,
        status=Status.ERROR,
        verdict=Verdict.ERROR,
        error=message,
    )
    return scenario_entry(spec, result, None)


def _scenario_work(
    spec: ScenarioSpec,
    servers: ServerPair,
    *,
    tag: str,
    settings: MatrixSettings,
    noise_floor: dict[str, float],
) -> dict[str, Any]:
    return run_scenario(
        spec, tag=tag, servers=servers, settings=settings, noise_floor=noise_floor
    )


def _interrupt_on_sigterm() -> Any:
    """Turn SIGTERM into ``KeyboardInterrupt``, so that a killed run stops its
    child processes and writes a partial document; return the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _progress(stderr: IO[str]) -> Progress:
    return Progress(
        TextColumn("{task.description:<44.44}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=stderr),
        transient=False,
    )
