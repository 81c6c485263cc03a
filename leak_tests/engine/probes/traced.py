"""Traced Python memory, in bytes and blocks, through ``tracemalloc``."""

from __future__ import annotations

import fnmatch
import os
import tracemalloc
from dataclasses import dataclass

from leak_tests.engine.probes.base import Probe, ProbeSpec

ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HARNESS_FILTERS = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, os.path.join(ENGINE_DIR, "*")),
)
"""Allocations whose most recent frame is in ``tracemalloc`` or in the engine.

The harness's own readings, snapshots and counters live there, so excluding them
keeps the harness's bookkeeping out of the measured growth.
"""


def is_harness_file(filename: str) -> bool:
    """Return whether ``HARNESS_FILTERS`` exclude a frame in ``filename``.

    This applies the match of ``tracemalloc.Filter`` with no line number: the
    normalised file name (``.pyc`` read as ``.py``) against each pattern with
    ``fnmatch``.
    """
    normalized = os.path.normcase(filename)
    if normalized.endswith(".pyc"):
        normalized = normalized[:-1]
    return any(
        fnmatch.fnmatch(normalized, trace_filter.filename_pattern)
        for trace_filter in HARNESS_FILTERS
    )


@dataclass(frozen=True)
class TracedMemory:
    """Traced memory outside the harness."""

    size: int
    """Bytes."""
    blocks: int


class TracedMemoryProbe(Probe):
    """Read ``traced_bytes`` and ``traced_blocks``, starting tracemalloc if needed.

    ``frames`` is the traceback depth stored per allocation. When tracemalloc is
    already tracing, its depth is kept and ``frames`` is ignored.
    """

    specs = (ProbeSpec("traced_bytes", "B"), ProbeSpec("traced_blocks", "blocks"))

    def __init__(self, frames: int = 1) -> None:
        if frames < 1:
            raise ValueError(f"tracemalloc frames must be >= 1, got {frames}")
        self.frames = frames
        self._started_here = False
        self._harness_files: dict[str, bool] = {}

    def start(self) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)
            self._started_here = True
        self.frames = tracemalloc.get_traceback_limit()
        # The first filtered snapshot fills ABC caches that then stay (448 B on
        # CPython 3.11.7); taking it here keeps that step out of the readings.
        self.take_snapshot()

    def stop(self) -> None:
        if self._started_here:
            tracemalloc.stop()
            self._started_here = False

    def take_snapshot(self) -> tracemalloc.Snapshot:
        """Return a tracemalloc snapshot without the harness's own allocations."""
        return tracemalloc.take_snapshot().filter_traces(HARNESS_FILTERS)

    def snapshot(self) -> TracedMemory:
        """Sum the traces outside the harness.

        The traces are grouped by the file of their most recent frame first, and
        ``HARNESS_FILTERS`` is then matched once per file rather than once per
        trace (``Snapshot.filter_traces``), which keeps the same traces at a
        fraction of the cost.
        """
        raw = tracemalloc.take_snapshot()
        try:
            stats = raw.statistics("filename")
        finally:
            del raw
        size = 0
        blocks = 0
        for stat in stats:
            if not self._is_harness(stat.traceback[0].filename):
                size += stat.size
                blocks += stat.count
        del stats
        return TracedMemory(size=size, blocks=blocks)

    def _is_harness(self, filename: str) -> bool:
        excluded = self._harness_files.get(filename)
        if excluded is None:
            excluded = is_harness_file(filename)
            self._harness_files[filename] = excluded
        return excluded

    def values(self, snapshot: TracedMemory) -> dict[str, float]:
        return {"traced_bytes": snapshot.size, "traced_blocks": snapshot.blocks}
