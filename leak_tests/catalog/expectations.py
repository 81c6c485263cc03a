"""What each scenario is expected to show, with the mechanism behind it.

The fixed pattern runs each job under ``asyncio.run``. It cancels tasks still
pending, finalises async generators, shuts down the default executor and closes
the loop before the job counts as done. The helper's worker threads exit when its
queue is empty, so every fixed scenario must be ``clean``.

The old pattern's expectations come from measuring the service's jobs: they
close their own clients and connections before returning, also on a timeout
(``wait_for`` waits for the cancelled job to finish its cleanup) or an error, so
a fresh thread per call leaves nothing behind. A pool keeps its worker threads,
and each worker keeps the closed loop it last set with ``set_event_loop``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leak_tests.matrix.plan import ScenarioSpec

FIXED_MECHANISM = (
    "asyncio.run cancels pending tasks, finalises async generators, shuts down "
    "the default executor and closes the loop; the helper's threads exit when idle"
)
THREAD_MECHANISM = (
    "the job closes its client and connection before returning, so a hand-made "
    "loop in a fresh thread per call leaves nothing once the thread is joined"
)
POOL_MECHANISM = (
    "closed loops retained by pool workers: each reused worker keeps the last "
    "loop it set with set_event_loop, one per worker, next to the worker threads"
)


@dataclass(frozen=True)
class Expectation:
    """Verdicts a scenario may show, and why."""

    verdicts: tuple[str, ...]
    mechanism: str

    def matches(self, verdict: str) -> bool:
        """Return whether ``verdict`` is one of the expected verdicts."""
        return verdict in self.verdicts

    def to_dict(self) -> dict[str, Any]:
        return {"verdicts": list(self.verdicts), "mechanism": self.mechanism}


def expectation_for(spec: ScenarioSpec) -> Expectation:
    """Return the expectation of ``spec``."""
    if spec.pattern == "fixed":
        return Expectation(("clean",), FIXED_MECHANISM)
    if spec.context == "pool":
        return Expectation(("retained",), POOL_MECHANISM)
    return Expectation(("clean",), THREAD_MECHANISM)
