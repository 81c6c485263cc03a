"""Event counters: destroyed pending tasks, ResourceWarnings, never-awaited
coroutines, unraisable exceptions and exceptions in threads.

``start`` installs a handler on the ``asyncio`` logger, a ``warnings.showwarning``
replacement with ``always`` filters for the counted warnings (ResourceWarning is
ignored by default), ``sys.unraisablehook`` and ``threading.excepthook``. ``stop``
restores every one of them. Counted events are not passed on to the previous
hooks; other warnings are.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TextIO

from leak_tests.engine.probes.base import Probe, ProbeSpec
from leak_tests.engine.result import EventSample, ProbeKind

EXAMPLES_KEPT = 3
"""Messages kept per kind; the counts go on past it."""

RESOURCE_WARNING_KINDS = ("loop", "transport", "socket", "other")
KINDS = (
    "task_destroyed",
    "resource_warning",
    *(f"resource_warning.{kind}" for kind in RESOURCE_WARNING_KINDS),
    "never_awaited",
    "unraisable",
    "thread_exception",
)

_TASK_DESTROYED = "Task was destroyed but it is pending"
_NEVER_AWAITED = "was never awaited"


@dataclass(frozen=True)
class EventCounts:
    """Events seen since ``start`` or ``reset``, per kind."""

    counts: tuple[tuple[str, int], ...]


class _AsyncioHandler(logging.Handler):
    def __init__(self, counters: EventCounterProbe) -> None:
        super().__init__(logging.NOTSET)
        self._counters = counters

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(_TASK_DESTROYED):
            self._counters.record("task_destroyed", message)


class EventCounterProbe(Probe):
    """Read ``events.<kind>`` counters, cumulative since ``start`` or ``reset``."""

    specs = tuple(
        ProbeSpec(f"events.{kind}", "events", ProbeKind.COUNTER) for kind in KINDS
    )

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._counts = dict.fromkeys(KINDS, 0)
        self._examples: dict[str, list[str]] = {kind: [] for kind in KINDS}
        self._handler = _AsyncioHandler(self)
        self._catcher: warnings.catch_warnings[Any] | None = None
        self._previous_showwarning: Any = None
        self._previous_unraisablehook: Any = None
        self._previous_excepthook: Any = None

    def start(self) -> None:
        if self._catcher is not None:
            raise RuntimeError("the event counters are already started")
        logging.getLogger("asyncio").addHandler(self._handler)
        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("always", ResourceWarning)
        warnings.filterwarnings(
            "always", message=".*was never awaited", category=RuntimeWarning
        )
        self._previous_showwarning = warnings.showwarning
        warnings.showwarning = self._showwarning
        self._previous_unraisablehook = sys.unraisablehook
        sys.unraisablehook = self._unraisablehook
        self._previous_excepthook = threading.excepthook
        threading.excepthook = self._excepthook

    def stop(self) -> None:
        if self._catcher is None:
            return
        threading.excepthook = self._previous_excepthook
        sys.unraisablehook = self._previous_unraisablehook
        # catch_warnings restores both the filters and warnings.showwarning.
        self._catcher.__exit__(None, None, None)
        self._catcher = None
        logging.getLogger("asyncio").removeHandler(self._handler)

    def reset(self) -> None:
        with self._lock:
            self._counts = dict.fromkeys(KINDS, 0)
            self._examples = {kind: [] for kind in KINDS}

    def record(self, kind: str, message: str) -> None:
        """Count one event of ``kind`` and keep its message if few are kept."""
        with self._lock:
            self._counts[kind] += 1
            if len(self._examples[kind]) < EXAMPLES_KEPT:
                self._examples[kind].append(message)

    def snapshot(self) -> EventCounts:
        with self._lock:
            return EventCounts(counts=tuple(self._counts.items()))

    def values(self, snapshot: EventCounts) -> dict[str, float]:
        return {f"events.{kind}": count for kind, count in snapshot.counts}

    def samples(self) -> list[EventSample]:
        """Return each kind seen at least once, with its first messages."""
        with self._lock:
            return [
                EventSample(kind=kind, count=count, examples=list(self._examples[kind]))
                for kind, count in self._counts.items()
                if count
            ]

    def _showwarning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        text = str(message)
        if issubclass(category, ResourceWarning):
            self.record("resource_warning", text)
            self.record(f"resource_warning.{_resource_kind(text)}", text)
        elif issubclass(category, RuntimeWarning) and _NEVER_AWAITED in text:
            self.record("never_awaited", text)
        else:
            self._previous_showwarning(message, category, filename, lineno, file, line)

    def _unraisablehook(self, unraisable: Any) -> None:
        self.record("unraisable", _describe_unraisable(unraisable))

    def _excepthook(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "unknown thread"
        exc_type = args.exc_type.__name__
        self.record("thread_exception", f"{name}: {exc_type}: {args.exc_value}")


def _resource_kind(text: str) -> str:
    if text.startswith("unclosed event loop"):
        return "loop"
    if text.startswith("unclosed transport"):
        return "transport"
    if text.startswith("unclosed <socket"):
        return "socket"
    return "other"


def _describe_unraisable(unraisable: Any) -> str:
    # Only text is kept: holding exc_value or object would keep them alive.
    exc_type: type[BaseException] | None = unraisable.exc_type
    traceback: TracebackType | None = unraisable.exc_traceback
    del traceback
    where = unraisable.err_msg or "Exception ignored in"
    try:
        target = repr(unraisable.object)
    except Exception as exc:
        target = f"<repr failed: {exc!r}>"
    name = exc_type.__name__ if exc_type is not None else "None"
    return f"{where}: {target}: {name}: {unraisable.exc_value}"
