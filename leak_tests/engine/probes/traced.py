"""Traced Python memory, in bytes and blocks, through ``tracemalloc``."""

from __future__ import annotations

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

    def start(self) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)
            self._started_here = True
        self.frames = tracemalloc.get_traceback_limit()

    def stop(self) -> None:
        if self._started_here:
            tracemalloc.stop()
            self._started_here = False

    def take_snapshot(self) -> tracemalloc.Snapshot:
        """Return a tracemalloc snapshot without the harness's own allocations."""
        return tracemalloc.take_snapshot().filter_traces(HARNESS_FILTERS)

    def snapshot(self) -> TracedMemory:
        raw = self.take_snapshot()
        try:
            stats = raw.statistics("filename")
            size = sum(stat.size for stat in stats)
            blocks = sum(stat.count for stat in stats)
        finally:
            del raw
        return TracedMemory(size=size, blocks=blocks)

    def values(self, snapshot: TracedMemory) -> dict[str, float]:
        return {"traced_bytes": snapshot.size, "traced_blocks": snapshot.blocks}
