"""Where growth comes from: allocation sites, threads, fds, creation stacks,
event messages and referrer chains, filled into ``Result.attribution``.

``Tracker`` keeps the tracemalloc snapshots of the first and last checkpoints.
When a thread, fd or object probe grew, ``collect`` runs a short extra pass of
``CREATION_CALLS`` calls with ``BaseEventLoop.__init__``, ``Thread.start`` and
``socket.socket.__init__`` wrapped to record creation stacks, and restores them
afterwards. The pass comes after the last checkpoint, so it changes no reading.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
import threading
import traceback
import tracemalloc
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import objgraph

from leak_tests.engine.probes.events import EventCounterProbe
from leak_tests.engine.probes.fds import describe_fds, list_fds
from leak_tests.engine.probes.objects import DEFAULT_TYPES, find_instances
from leak_tests.engine.probes.traced import TracedMemoryProbe
from leak_tests.engine.result import (
    AllocationSite,
    BackrefChain,
    CreationRecord,
    Result,
    ThreadInfo,
)

if TYPE_CHECKING:
    from leak_tests.engine.runner import _Run

logger = logging.getLogger(__name__)

TOP_ALLOCATIONS = 10
CREATION_CALLS = 20
STACK_LIMIT = 12
BACKREF_MAX_DEPTH = 12
BACKREF_TYPES_MAX = 3
_GROWTH_PREFIXES = ("fds", "py_threads", "os_threads", "objects.")


class Tracker:
    """Snapshots and results of attribution for one measurement."""

    def __init__(self, traced: TracedMemoryProbe | None) -> None:
        self._traced = traced
        self._first: tracemalloc.Snapshot | None = None
        self._last: tracemalloc.Snapshot | None = None

    def mark_first(self) -> None:
        """Keep the allocation snapshot of the first measured checkpoint."""
        if self._traced is not None:
            self._first = self._traced.take_snapshot()

    def mark_last(self) -> None:
        """Keep the allocation snapshot of the last checkpoint."""
        if self._traced is not None:
            self._last = self._traced.take_snapshot()

    def finish(self) -> None:
        """Drop the snapshots."""
        self._first = None
        self._last = None

    def collect(self, fn: Callable[[], object], run: _Run, result: Result) -> None:
        """Fill ``result.attribution`` from the run's final state."""
        found = result.attribution
        if self._first is not None and self._last is not None:
            found.allocations = top_allocations(
                self._first, self._last, result.iterations
            )
        for probe in run.probes:
            if isinstance(probe, EventCounterProbe):
                found.events = probe.samples()
        creations: dict[int, list[str]] = {}
        if _grew(run):
            found.creations, creations = creation_pass(fn, run.settle)
        found.threads = threads_above(run.baseline_thread_idents, creations)
        found.fds = describe_fds(sorted(set(list_fds()) - set(run.baseline_fds)))
        found.backrefs = retained_chains(run)


def _grew(run: _Run) -> bool:
    for name, readings in run.readings.items():
        if not name.startswith(_GROWTH_PREFIXES) or len(readings) < 2:
            continue
        first, last = readings[0], readings[-1]
        if last.after_gc > first.after_gc or last.before_gc > first.before_gc:
            return True
        if run.high_watermarks.get(name, 0.0) > first.after_gc:
            return True
    return False


def top_allocations(
    first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, calls: int
) -> list[AllocationSite]:
    """Return the source lines whose traced memory grew most between snapshots.

    Sites are grouped by line, or by whole traceback when more than one frame is
    traced, and sorted by bytes grown. The traceback runs oldest call first.
    """
    deep = tracemalloc.get_traceback_limit() > 1
    diffs = last.compare_to(first, "traceback" if deep else "lineno")
    sites = []
    for diff in diffs:
        if diff.size_diff <= 0:
            continue
        frame = diff.traceback[0]
        sites.append(
            AllocationSite(
                filename=frame.filename,
                lineno=frame.lineno,
                size_delta=diff.size_diff,
                count_delta=diff.count_diff,
                bytes_per_iter=diff.size_diff / max(calls, 1),
                traceback=list(diff.traceback.format()) if deep else [],
            )
        )
        if len(sites) == TOP_ALLOCATIONS:
            break
    return sites


def threads_above(
    baseline_idents: set[int | None], creations: dict[int, list[str]]
) -> list[ThreadInfo]:
    """Return the threads alive now that were not alive at the baseline.

    ``creations`` maps ``id(thread)`` to the stack that started it, where known.
    """
    frames = sys._current_frames()
    infos = []
    try:
        for thread in threading.enumerate():
            if thread.ident in baseline_idents:
                continue
            frame = frames.get(thread.ident) if thread.ident is not None else None
            stack = _format_stack(traceback.extract_stack(frame)) if frame else []
            infos.append(
                ThreadInfo(
                    name=thread.name,
                    ident=thread.ident,
                    daemon=thread.daemon,
                    stack=stack,
                    created_at=creations.get(id(thread), []),
                )
            )
    finally:
        del frames
    return infos


def creation_pass(
    fn: Callable[[], object], settle: Callable[[], None]
) -> tuple[list[CreationRecord], dict[int, list[str]]]:
    """Call ``fn`` ``CREATION_CALLS`` times, recording where loops, threads and
    sockets are created, and return those still alive afterwards.

    Objects alive after ``gc.collect()`` are reported. For a type with none left,
    those alive before the collection are reported instead, which is where
    objects released only by the collector come from. The second value maps
    ``id(thread)`` to the creation stack of each thread still running.
    """
    stacks: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = (
        weakref.WeakKeyDictionary()
    )
    with _recording_creations(stacks):
        for _ in range(CREATION_CALLS):
            fn()
    settle()
    before = _survivors(stacks)
    gc.collect()
    after = _survivors(stacks)
    thread_stacks = {
        id(obj): list(stack)
        for obj, stack in list(stacks.items())
        if isinstance(obj, threading.Thread) and obj.is_alive()
    }
    kept_types = {record.type_name for record in after}
    records = after + [r for r in before if r.type_name not in kept_types]
    return records, thread_stacks


def _survivors(
    stacks: weakref.WeakKeyDictionary[Any, tuple[str, ...]],
) -> list[CreationRecord]:
    counts: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for obj, stack in list(stacks.items()):
        if isinstance(obj, threading.Thread) and not obj.is_alive():
            continue
        counts[(_creation_type(obj), stack)] += 1
    return [
        CreationRecord(type_name=type_name, stack=list(stack), count=count)
        for (type_name, stack), count in counts.most_common()
    ]


def _creation_type(obj: object) -> str:
    if isinstance(obj, asyncio.AbstractEventLoop):
        return "EventLoop"
    if isinstance(obj, threading.Thread):
        return "Thread"
    return "socket"


@contextmanager
def _recording_creations(
    stacks: weakref.WeakKeyDictionary[Any, tuple[str, ...]],
) -> Iterator[None]:
    """Wrap the constructors of loops, threads and sockets while inside."""
    originals: list[tuple[type, str, Any]] = [
        (asyncio.BaseEventLoop, "__init__", asyncio.BaseEventLoop.__init__),
        (threading.Thread, "start", threading.Thread.start),
        (socket.socket, "__init__", socket.socket.__init__),
    ]
    for owner, attribute, original in originals:
        setattr(owner, attribute, _recorder(original, stacks))
    try:
        yield
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)


def _recorder(
    original: Callable[..., Any],
    stacks: weakref.WeakKeyDictionary[Any, tuple[str, ...]],
) -> Callable[..., Any]:
    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        outcome = original(self, *args, **kwargs)
        stack = traceback.extract_stack(limit=STACK_LIMIT + 1)[:-1]
        stacks[self] = tuple(_format_stack(stack))
        return outcome

    return recording


def _format_stack(stack: Iterable[traceback.FrameSummary]) -> list[str]:
    return [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in stack]


def retained_chains(run: _Run) -> list[BackrefChain]:
    """Return a referrer chain from a module to one live object of each object
    type that is above its baseline after collection."""
    chains = []
    for name, readings in run.readings.items():
        if not name.startswith("objects.") or len(readings) < 2:
            continue
        if readings[-1].after_gc <= readings[0].after_gc:
            continue
        cls = DEFAULT_TYPES.get(name.split(".", 1)[1])
        if cls is None:
            continue
        chain = _chain_to_module(cls)
        if chain:
            chains.append(BackrefChain(type_name=name.split(".", 1)[1], chain=chain))
        if len(chains) == BACKREF_TYPES_MAX:
            break
    return chains


def _chain_to_module(cls: type) -> list[str]:
    instances = find_instances(cls)
    try:
        if not instances:
            return []
        target = instances[-1]
        del instances[:]
        chain = objgraph.find_backref_chain(
            target, objgraph.is_proper_module, max_depth=BACKREF_MAX_DEPTH
        )
        if len(chain) < 2:
            return []
        return [_describe(link) for link in chain]
    finally:
        del instances
        target = None
        chain = None


def _describe(obj: object) -> str:
    if isinstance(obj, type(sys)):
        return f"module {obj.__name__}"
    try:
        text = repr(obj)
    except Exception as exc:
        text = f"<repr failed: {exc!r}>"
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(obj).__qualname__}: {text}"
