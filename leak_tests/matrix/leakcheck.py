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
from leak_tests.matrix.worker import run_scenario

logger = logging.getLogger(__name__)


def run_leakcheck(
    specs: Sequence[ScenarioSpec],
    settings: MatrixSettings,
    out_dir: Path,
    stdout: IO[str],
    stderr: IO[str],
) -> int:
    """Run the whole leak check and return the exit code (0 clean, 1 failed)."""
    if guard_app(stderr):
        return 1
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    collected: dict[str, Any] = {"scenarios": [], "calibration": None, "bursts": []}
    previous = _interrupt_on_sigterm()
    try:
        _measure_all(specs, settings, collected, stderr)
    except KeyboardInterrupt:
        terminate_children()
        document = build_document(
            collected, settings, started_at, time.perf_counter() - started, True
        )
        write_document(document, out_dir)
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
    with (
        _progress(stderr) as progress,
        ThreadPoolExecutor(settings.jobs, thread_name_prefix="matrix") as executor,
    ):
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
        finally:
            servers.close()


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
    labels = {future: spec.id for spec, future in zip(specs, futures, strict=True)}
    for future in as_completed(futures):
        advance(labels[future])
    collected["scenarios"].extend(future.result() for future in futures)


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
