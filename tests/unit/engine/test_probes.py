"""Probes read real state, print nothing, restore their hooks and add no referrers."""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import gc
import logging
import os
import select
import socket
import sys
import threading
import tracemalloc
import warnings
from collections.abc import Iterator

import psutil
import pytest

from leak_tests.engine.probes import build_probes, probe_names
from leak_tests.engine.probes.events import EventCounterProbe
from leak_tests.engine.probes.fds import FdProbe, count_fds, describe_fds, list_fds
from leak_tests.engine.probes.memory import ProcessMemoryProbe
from leak_tests.engine.probes.objects import ObjectCountProbe
from leak_tests.engine.probes.threads import ThreadProbe, count_os_threads
from leak_tests.engine.probes.traced import (
    ENGINE_DIR,
    TracedMemoryProbe,
    is_harness_file,
)
from leak_tests.errors import UsageError


class _Marker:
    """An object whose referrers are counted."""


@pytest.fixture
def events() -> Iterator[EventCounterProbe]:
    probe = EventCounterProbe()
    probe.start()
    yield probe
    probe.stop()


def test_snapshots_frozen_with_spec_names() -> None:
    # GIVEN every default probe, started
    probes = build_probes()
    for probe in probes:
        probe.start()
    try:
        # WHEN each one takes a snapshot
        for probe in probes:
            snap = probe.snapshot()

            # THEN it is a frozen dataclass whose values carry the spec names
            assert dataclasses.is_dataclass(snap)
            with pytest.raises(dataclasses.FrozenInstanceError):
                snap.value = 1  # type: ignore[union-attr]
            assert set(probe.values(snap)) == {spec.name for spec in probe.specs}
    finally:
        for probe in reversed(probes):
            probe.stop()


def test_default_probes_cover_every_name() -> None:
    # GIVEN the default probe set
    names = {spec.name for probe in build_probes() for spec in probe.specs}

    # THEN every documented default name is read
    assert names == set(probe_names())


def test_build_probes_unknown_name() -> None:
    # WHEN a probe name is misspelt
    with pytest.raises(UsageError, match="unknown probe 'fd'"):
        build_probes(["fd"])


def test_snapshots_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN every default probe, started
    probes = build_probes()
    for probe in probes:
        probe.start()

    # WHEN every probe is read and stopped
    for probe in probes:
        probe.read()
    for probe in reversed(probes):
        probe.stop()

    # THEN nothing reached stdout or stderr
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_snapshots_add_no_referrers() -> None:
    # GIVEN a live object and its referrer count
    marker = _Marker()
    probes = build_probes()
    for probe in probes:
        probe.start()
    gc.collect()
    referrers_before = len(gc.get_referrers(marker))
    refcount_before = sys.getrefcount(marker)

    # WHEN every probe takes snapshots
    for _ in range(3):
        for probe in probes:
            probe.read()
    gc.collect()

    # THEN the object gained no referrers
    assert len(gc.get_referrers(marker)) == referrers_before
    assert sys.getrefcount(marker) == refcount_before
    for probe in reversed(probes):
        probe.stop()


def test_traced_memory_sees_allocation() -> None:
    # GIVEN the traced-memory probe
    probe = TracedMemoryProbe()
    probe.start()
    before = probe.read()["traced_bytes"]

    # WHEN 100 kB are allocated and kept
    kept = [bytes(1000) for _ in range(100)]
    after = probe.read()["traced_bytes"]
    probe.stop()

    # THEN the probe counts at least those bytes
    assert after - before >= 100_000
    assert len(kept) == 100


def test_process_memory_positive() -> None:
    # WHEN RSS and USS are read
    values = ProcessMemoryProbe().read()

    # THEN both are positive byte counts
    assert values["rss"] > 0
    assert values["uss"] > 0


def test_thread_probe_counts_running_thread() -> None:
    # GIVEN a thread that waits
    release = threading.Event()
    probe = ThreadProbe()
    before = probe.read()
    thread = threading.Thread(target=release.wait, name="probe-waiter")
    thread.start()

    # WHEN the probe reads while it runs
    during = probe.read()
    release.set()
    thread.join()

    # THEN both counts are one higher
    assert during["py_threads"] == before["py_threads"] + 1
    assert during["os_threads"] == before["os_threads"] + 1


def test_fd_probe_counts_pipe() -> None:
    # GIVEN the fd probe
    probe = FdProbe()
    before = probe.read()["fds"]

    # WHEN a pipe is opened
    read_end, write_end = os.pipe()
    during = probe.read()["fds"]
    os.close(read_end)
    os.close(write_end)

    # THEN the count rises by two
    assert during == before + 2


def test_describe_fds_kinds() -> None:
    # GIVEN a pipe, an epoll object and a listening loopback socket
    baseline = set(list_fds())
    read_end, write_end = os.pipe()
    poller = select.epoll()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        # WHEN the new descriptors are described
        infos = describe_fds(sorted(set(list_fds()) - baseline))
    finally:
        listener.close()
        poller.close()
        os.close(read_end)
        os.close(write_end)

    # THEN each kind is named, and the socket shows its address
    kinds = sorted(info.kind for info in infos)
    assert kinds == ["epoll", "pipe", "pipe", "socket"]
    socket_info = next(info for info in infos if info.kind == "socket")
    assert f"127.0.0.1:{port}" in socket_info.detail


def test_object_probe_counts_event_loop() -> None:
    # GIVEN the object probe
    probe = ObjectCountProbe()
    before = probe.read()

    # WHEN an event loop is alive
    loop = asyncio.new_event_loop()
    during = probe.read()
    loop.close()

    # THEN one more loop is counted
    assert during["objects.EventLoop"] == before["objects.EventLoop"] + 1


def test_object_probe_counts_named_type() -> None:
    # GIVEN a probe for an exact type name
    probe = ObjectCountProbe(classes={}, type_names=("_Marker",))
    before = probe.read()["objects._Marker"]

    # WHEN two instances are alive
    kept = [_Marker(), _Marker()]
    during = probe.read()["objects._Marker"]

    # THEN both are counted
    assert during == before + 2
    assert len(kept) == 2


def test_event_hooks_restored_after_stop() -> None:
    # GIVEN the hooks in place before the probe
    unraisablehook = sys.unraisablehook
    excepthook = threading.excepthook
    showwarning = warnings.showwarning
    filters = list(warnings.filters)
    handlers = list(logging.getLogger("asyncio").handlers)
    probe = EventCounterProbe()

    # WHEN the probe is started and stopped
    probe.start()
    replaced = sys.unraisablehook is not unraisablehook
    probe.stop()

    # THEN every hook is back
    assert replaced
    assert sys.unraisablehook is unraisablehook
    assert threading.excepthook is excepthook
    assert warnings.showwarning is showwarning
    assert list(warnings.filters) == filters
    assert logging.getLogger("asyncio").handlers == handlers


def test_events_count_destroyed_task(events: EventCounterProbe) -> None:
    # GIVEN a task still pending when its loop closes
    loop = asyncio.new_event_loop()
    task = loop.create_task(asyncio.sleep(3600))
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()

    # WHEN the task is destroyed
    del task
    gc.collect()

    # THEN one destroyed-task record is counted, with its message
    assert events.read()["events.task_destroyed"] == 1
    sample = next(s for s in events.samples() if s.kind == "task_destroyed")
    assert sample.examples[0].startswith("Task was destroyed but it is pending")


def test_events_count_unclosed_loop(events: EventCounterProbe) -> None:
    # GIVEN an event loop that is never closed
    loop = asyncio.new_event_loop()

    # WHEN it is collected
    del loop
    gc.collect()

    # THEN one unclosed-loop ResourceWarning is counted
    values = events.read()
    assert values["events.resource_warning.loop"] == 1
    assert values["events.resource_warning"] >= 1


def test_events_count_unclosed_socket(events: EventCounterProbe) -> None:
    # WHEN a socket is dropped without close()
    sock = socket.socket()
    del sock
    gc.collect()

    # THEN it counts as a socket ResourceWarning
    assert events.read()["events.resource_warning.socket"] == 1


def test_events_count_unraisable(events: EventCounterProbe) -> None:
    # GIVEN an object whose finalizer raises
    class Closing:
        def __del__(self) -> None:
            raise RuntimeError("Event loop is closed")

    # WHEN it is finalized
    obj = Closing()
    del obj
    gc.collect()

    # THEN one unraisable exception is counted with its message
    assert events.read()["events.unraisable"] == 1
    sample = next(s for s in events.samples() if s.kind == "unraisable")
    assert "RuntimeError: Event loop is closed" in sample.examples[0]


def test_events_count_thread_exception(events: EventCounterProbe) -> None:
    # GIVEN a thread whose target raises
    def fail() -> None:
        raise ValueError("boom")

    thread = threading.Thread(target=fail, name="failing-thread")

    # WHEN it runs
    thread.start()
    thread.join()

    # THEN one thread exception is counted, naming the thread
    assert events.read()["events.thread_exception"] == 1
    sample = next(s for s in events.samples() if s.kind == "thread_exception")
    assert sample.examples[0] == "failing-thread: ValueError: boom"


def test_events_count_never_awaited(events: EventCounterProbe) -> None:
    # GIVEN a coroutine object that is never awaited
    coroutine = asyncio.sleep(0)

    # WHEN it is collected
    del coroutine
    gc.collect()

    # THEN one never-awaited warning is counted
    assert events.read()["events.never_awaited"] == 1


def test_events_reset_zeroes_counts(events: EventCounterProbe) -> None:
    # GIVEN a counted event
    sock = socket.socket()
    del sock
    gc.collect()

    # WHEN the counters are reset
    events.reset()

    # THEN every count is zero
    assert set(events.read().values()) == {0}


def test_count_fds_matches_listing() -> None:
    # GIVEN a pipe held open
    read_end, write_end = os.pipe()
    try:
        # WHEN the cheap count and the full listing are taken
        counted = count_fds()
        listed = len(list_fds())
    finally:
        os.close(read_end)
        os.close(write_end)

    # THEN they agree
    assert counted == listed


def test_count_os_threads_matches_psutil() -> None:
    # GIVEN a thread that waits
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="count-waiter")
    thread.start()
    try:
        # WHEN the kernel thread count is read both ways
        counted = count_os_threads()
        expected = psutil.Process().num_threads()
    finally:
        release.set()
        thread.join()

    # THEN they agree
    assert counted == expected


class _LoopSubclass(asyncio.SelectorEventLoop):
    """An event loop class defined after the probe was built."""


class _Registered:
    """A class that an ABC accepts only through ``register``."""


class _Interface(abc.ABC):  # noqa: B024 - only register() is needed
    """An ABC with one registered class."""


_Interface.register(_Registered)


def test_object_probe_counts_later_subclass() -> None:
    # GIVEN the object probe and a loop of a subclass defined in this module
    probe = ObjectCountProbe()
    before = probe.read()["objects.EventLoop"]

    # WHEN the loop is alive
    loop = _LoopSubclass()
    during = probe.read()["objects.EventLoop"]
    loop.close()

    # THEN it counts as an event loop
    assert during == before + 1


def test_object_probe_counts_registered_class() -> None:
    # GIVEN a probe for an ABC whose only class is registered, not derived
    probe = ObjectCountProbe(classes={"Interface": _Interface})
    before = probe.read()["objects.Interface"]

    # WHEN three instances are alive
    kept = [_Registered() for _ in range(3)]
    during = probe.read()["objects.Interface"]

    # THEN all three count, as isinstance would count them
    assert during == before + 3
    assert len(kept) == 3


@pytest.mark.parametrize(
    ("filename", "excluded"),
    [
        (tracemalloc.__file__, True),
        (os.path.join(ENGINE_DIR, "runner.py"), True),
        (os.path.join(ENGINE_DIR, "probes", "objects.py"), True),
        (__file__, False),
        ("<string>", False),
    ],
)
def test_harness_file_matches_filters(filename: str, excluded: bool) -> None:
    # THEN a file is excluded exactly when a harness filter matches it
    assert is_harness_file(filename) is excluded


def test_traced_memory_leaves_out_harness() -> None:
    # GIVEN the traced-memory probe and the same reading through the filters
    probe = TracedMemoryProbe()
    probe.start()
    try:
        # WHEN both are taken at the same point
        values = probe.read()
        filtered = probe.take_snapshot().statistics("filename")
    finally:
        probe.stop()

    # THEN the per-file reading counts what Snapshot.filter_traces keeps, apart
    # from the few blocks that taking the second snapshot itself allocates
    expected_blocks = sum(stat.count for stat in filtered)
    assert abs(values["traced_blocks"] - expected_blocks) <= 8
