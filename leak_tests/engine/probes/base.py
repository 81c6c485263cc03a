"""The interface every probe implements."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from leak_tests.engine.result import ProbeKind


@dataclass(frozen=True)
class ProbeSpec:
    """Name, unit and kind of one value a probe reports."""

    name: str
    unit: str
    kind: ProbeKind = ProbeKind.LEVEL


class Probe(abc.ABC):
    """A source of values read at checkpoints.

    ``start`` and ``stop`` install and restore whatever the probe needs (hooks,
    tracing) and are called in pairs. ``snapshot`` returns a frozen value and
    ``values`` turns it into numbers keyed by the names in ``specs``.
    """

    specs: tuple[ProbeSpec, ...] = ()

    def start(self) -> None:  # noqa: B027 - most probes need no setup
        """Install hooks or tracing; the default does nothing."""

    def stop(self) -> None:  # noqa: B027 - most probes need no teardown
        """Restore what ``start`` changed; the default does nothing."""

    def reset(self) -> None:  # noqa: B027 - only counters have state to zero
        """Zero cumulative counts when the measured phase begins; the default
        does nothing."""

    @abc.abstractmethod
    def snapshot(self) -> Any:
        """Return the probe's current state as a frozen value."""

    @abc.abstractmethod
    def values(self, snapshot: Any) -> dict[str, float]:
        """Return the numbers of ``snapshot`` keyed by spec name."""

    def read(self) -> dict[str, float]:
        """Take a snapshot and return its numbers."""
        return self.values(self.snapshot())
