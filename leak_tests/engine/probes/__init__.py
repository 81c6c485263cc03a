"""Probes: one module per measured quantity, each read at every checkpoint.

``build_probes`` turns the names a caller passes to ``measure(probes=...)`` into
probe instances. Names are probe names (``traced_bytes``, ``rss``, ``uss``,
``py_threads``, ``os_threads``, ``fds``, ``objects.<TypeName>``,
``events.<kind>``) or the groups ``traced``, ``memory``, ``threads``, ``objects``
and ``events``. A name selects its whole module: ``rss`` also reads ``uss``.
"""

from __future__ import annotations

from collections.abc import Iterable

from leak_tests.engine.probes.base import Probe, ProbeSpec
from leak_tests.engine.probes.events import KINDS, EventCounterProbe
from leak_tests.engine.probes.fds import FdProbe
from leak_tests.engine.probes.memory import ProcessMemoryProbe
from leak_tests.engine.probes.objects import DEFAULT_TYPES, ObjectCountProbe
from leak_tests.engine.probes.threads import ThreadProbe
from leak_tests.engine.probes.traced import TracedMemoryProbe
from leak_tests.errors import UsageError

__all__ = ["Probe", "ProbeSpec", "build_probes", "probe_names"]

_GROUPS = {
    "traced": ("traced_bytes", "traced_blocks"),
    "memory": ("rss", "uss"),
    "threads": ("py_threads", "os_threads"),
    "fds": ("fds",),
    "objects": tuple(f"objects.{name}" for name in DEFAULT_TYPES),
    "events": tuple(f"events.{kind}" for kind in KINDS),
}


def probe_names() -> list[str]:
    """Return every default probe name."""
    return [name for names in _GROUPS.values() for name in names]


def build_probes(names: Iterable[str] | None = None, *, frames: int = 1) -> list[Probe]:
    """Return the probes that read ``names`` (every default probe for ``None``).

    Raises ``UsageError`` for a name that no probe reads.
    """
    groups: set[str] = set()
    extra_types: list[str] = []
    for name in probe_names() if names is None else names:
        group = _group_of(name)
        groups.add(group)
        if group == "objects" and name.startswith("objects."):
            suffix = name.split(".", 1)[1]
            if suffix not in DEFAULT_TYPES:
                extra_types.append(suffix)
    probes: list[Probe] = []
    if "traced" in groups:
        probes.append(TracedMemoryProbe(frames))
    if "memory" in groups:
        probes.append(ProcessMemoryProbe())
    if "threads" in groups:
        probes.append(ThreadProbe())
    if "fds" in groups:
        probes.append(FdProbe())
    if "objects" in groups:
        probes.append(ObjectCountProbe(type_names=tuple(extra_types)))
    if "events" in groups:
        probes.append(EventCounterProbe())
    return probes


def _group_of(name: str) -> str:
    if name in _GROUPS:
        return name
    for group, members in _GROUPS.items():
        if name in members:
            return group
    if name.startswith("objects.") and len(name) > len("objects."):
        return "objects"
    valid = ", ".join([*_GROUPS, *probe_names()])
    raise UsageError(
        f"unknown probe {name!r}: use one of {valid}, or objects.<TypeName> "
        "for another type"
    )
