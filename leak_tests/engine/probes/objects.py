"""Live objects of chosen types, counted over ``gc.get_objects()``."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import types
from dataclasses import dataclass

from leak_tests.engine.probes.base import Probe, ProbeSpec

DEFAULT_TYPES: dict[str, type] = {
    "EventLoop": asyncio.AbstractEventLoop,
    "Task": asyncio.Task,
    "Future": asyncio.Future,
    "Transport": asyncio.BaseTransport,
    "socket": socket.socket,
    "async_generator": types.AsyncGeneratorType,
    "Thread": threading.Thread,
}
"""Probe suffix and the class counted by ``isinstance``.

``Future`` counts futures that are not tasks, because ``Task`` subclasses it.
"""


@dataclass(frozen=True)
class ObjectCounts:
    """Live objects per probe name, as sorted pairs."""

    counts: tuple[tuple[str, int], ...]


class ObjectCountProbe(Probe):
    """Read ``objects.<Name>`` for each counted type.

    ``classes`` maps a name to a class counted with ``isinstance``; ``type_names``
    adds exact type names (as ``objgraph.count`` matches them). Only objects the
    cyclic garbage collector tracks are seen; sockets, loops, tasks, futures,
    transports, async generators and threads all are.
    """

    def __init__(
        self,
        classes: dict[str, type] | None = None,
        type_names: tuple[str, ...] = (),
    ) -> None:
        self.classes = dict(DEFAULT_TYPES if classes is None else classes)
        self.type_names = tuple(name for name in type_names if name not in self.classes)
        names = sorted([*self.classes, *self.type_names])
        self.specs = tuple(ProbeSpec(f"objects.{name}", "objects") for name in names)

    def snapshot(self) -> ObjectCounts:
        counts = dict.fromkeys([*self.classes, *self.type_names], 0)
        names_by_type = self._names_by_subclass()
        objects = gc.get_objects()
        try:
            if names_by_type is None:
                self._count_each(objects, counts)
            else:
                # filter() and map() walk the objects in C; only objects of a
                # counted type reach this loop.
                for obj_type in filter(names_by_type.__contains__, map(type, objects)):
                    for name in names_by_type[obj_type]:
                        counts[name] += 1
        finally:
            del objects
        if "Future" in counts and "Task" in counts and self._future_is_default():
            counts["Future"] -= counts["Task"]
        return ObjectCounts(counts=tuple(sorted(counts.items())))

    def _names_by_subclass(self) -> dict[type, tuple[str, ...]] | None:
        """Return the names each live subclass of a counted class counts under.

        ``type.__subclasses__`` reaches every class that ``issubclass`` accepts,
        unless a metaclass overrides the check (``abc.ABCMeta`` also accepts
        registered classes). None is returned in that case and when exact type
        names are counted, so that every object is then looked at in Python.
        """
        if self.type_names:
            return None
        names: dict[type, tuple[str, ...]] = {}
        for name, cls in self.classes.items():
            if type(cls) is not type:
                return None
            for subclass in _subclasses(cls):
                names[subclass] = (*names.get(subclass, ()), name)
        return names

    def _count_each(self, objects: list[object], counts: dict[str, int]) -> None:
        # One dict lookup per object: the names a type counts under are worked
        # out once per type with issubclass, which isinstance would repeat.
        names_by_type: dict[type, tuple[str, ...]] = {}
        try:
            for obj in objects:
                obj_type = type(obj)
                names = names_by_type.get(obj_type)
                if names is None:
                    names = self._names_for(obj_type)
                    names_by_type[obj_type] = names
                for name in names:
                    counts[name] += 1
        finally:
            obj = None
            names_by_type.clear()

    def _names_for(self, obj_type: type) -> tuple[str, ...]:
        names = [
            name for name, cls in self.classes.items() if issubclass(obj_type, cls)
        ]
        if obj_type.__name__ in self.type_names:
            names.append(obj_type.__name__)
        return tuple(names)

    def _future_is_default(self) -> bool:
        return self.classes.get("Future") is asyncio.Future and (
            self.classes.get("Task") is asyncio.Task
        )

    def values(self, snapshot: ObjectCounts) -> dict[str, float]:
        return {f"objects.{name}": count for name, count in snapshot.counts}


def _subclasses(cls: type) -> set[type]:
    """Return ``cls`` and every live class derived from it."""
    found = {cls}
    pending = [cls]
    while pending:
        subclasses: list[type] = type.__subclasses__(pending.pop())
        for subclass in subclasses:
            if subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return found


def find_instances(cls: type) -> list[object]:
    """Return the live, collector-tracked instances of ``cls``."""
    objects = gc.get_objects()
    try:
        return [obj for obj in objects if isinstance(obj, cls)]
    finally:
        del objects
