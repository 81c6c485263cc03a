"""Attribution names creation stacks and referrer chains of retained objects."""

from __future__ import annotations

import asyncio
import threading

from leak_tests import measure

_storage = threading.local()


def _keep_closed_loop() -> None:
    # Keeps every loop alive through thread-local storage, as a reused worker
    # thread keeps the loop it last set.
    loop = asyncio.new_event_loop()
    loop.close()
    loops = getattr(_storage, "loops", [])
    loops.append(loop)
    _storage.loops = loops


def test_retained_loops_attributed() -> None:
    # GIVEN a callable whose loops stay referenced from thread-local storage
    _storage.loops = []

    # WHEN it is measured
    try:
        result = measure(_keep_closed_loop, iterations=100, warmup=5, checkpoints=4)
    finally:
        _storage.loops = []

    # THEN the loops grow one per call, with where they were made and who holds them
    assert result.probes["objects.EventLoop"].slope_per_iter == 1.0
    loops = [c for c in result.attribution.creations if c.type_name == "EventLoop"]
    assert loops[0].count == 20
    assert any("_keep_closed_loop" in line for line in loops[0].stack)
    chains = {chain.type_name: chain.chain for chain in result.attribution.backrefs}
    assert chains["EventLoop"][0] == f"module {__name__}"
    assert chains["EventLoop"][-1].startswith("_UnixSelectorEventLoop")


def test_constructors_restored_after_attribution() -> None:
    # GIVEN the constructors before a run that triggers the creation pass
    loop_init = asyncio.BaseEventLoop.__init__
    thread_start = threading.Thread.start

    # WHEN a retaining callable is measured
    _storage.loops = []
    measure(_keep_closed_loop, iterations=10, warmup=0, checkpoints=1)
    _storage.loops = []

    # THEN the originals are back
    assert asyncio.BaseEventLoop.__init__ is loop_init
    assert threading.Thread.start is thread_start
