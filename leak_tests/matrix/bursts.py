"""Bursts: many dispatches fired at once per pattern and context, in the ``ok``
condition, each burst in its own process against a worker's servers."""

from __future__ import annotations

import functools
import logging
import platform
from collections.abc import Callable, Sequence
from typing import Any

from leak_tests.catalog.names import PATTERN_CONTEXTS
from leak_tests.matrix.burst import run_burst_process
from leak_tests.matrix.plan import ScenarioSpec
from leak_tests.matrix.pool import ServerPool
from leak_tests.matrix.servers import ServerPair
from leak_tests.matrix.settings import MatrixSettings

logger = logging.getLogger(__name__)

BURST_TAG = "9999"


def run_bursts(
    specs: Sequence[ScenarioSpec],
    settings: MatrixSettings,
    servers: ServerPool,
    on_done: Callable[[], None],
) -> list[dict[str, Any]]:
    """Run one burst per pattern and context, with the first site of the run."""
    site = specs[0].site
    entries = []
    for pattern, context in PATTERN_CONTEXTS:
        work = functools.partial(_burst, site, pattern, context, settings=settings)
        entry = servers.run(work)
        entries.append(entry)
        on_done()
    return entries


def _burst(
    site: str,
    pattern: str,
    context: str,
    servers: ServerPair,
    *,
    settings: MatrixSettings,
) -> dict[str, Any]:
    servers.apply("ok", stall=0.0)
    kwargs = {
        "site": site,
        "pattern": pattern,
        "context": context,
        "condition": "ok",
        "tag": BURST_TAG,
        "job_timeout": settings.ok_job_timeout,
        "pool_workers": settings.pool_workers,
        "fixed_dispatch": settings.fixed_dispatch,
        **servers.factory_kwargs(),
    }
    entry: dict[str, Any] = {
        "site": site,
        "pattern": pattern,
        "context": context,
        "size": settings.burst_size,
        "peak_threads": None,
        "peak_fds": None,
        "peak_loops": None,
        "drain_s": None,
        "delivered": None,
        "python": platform.python_version(),
    }
    try:
        figures = run_burst_process(
            kwargs, settings.burst_size, settings.scenario_timeout
        )
    except Exception as exc:
        logger.warning("burst %s/%s failed: %s", pattern, context, exc)
        entry["error"] = str(exc)
        return entry
    entry.update({key: figures[key] for key in ("peak_threads", "peak_fds")})
    entry.update({key: figures[key] for key in ("peak_loops", "drain_s")})
    entry["log_records"] = figures["log_records"]
    entry["delivered"] = sum(servers.counts().values())
    return entry
