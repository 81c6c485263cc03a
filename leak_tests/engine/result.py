"""Result model of one measurement, and its JSON form.

Every part of the harness speaks this model: the runner fills it, the detection
rules set its verdicts, the reports and the baseline comparison read it back.
``to_dict`` and ``from_dict`` are exact inverses so that a saved result can be
rendered again without re-running anything.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


class Verdict(str, enum.Enum):
    """Outcome of one probe or one whole measurement, mildest first."""

    CLEAN = "clean"
    RETAINED = "retained"
    GC_DEPENDENT = "gc_dependent"
    CLEANUP_SKIPPED = "cleanup_skipped"
    LEAK = "leak"
    TIMEOUT = "timeout"
    ERROR = "error"

    @property
    def severity(self) -> int:
        return list(Verdict).index(self)

    @classmethod
    def worst(cls, verdicts: list[Verdict]) -> Verdict:
        """Return the most severe verdict, or ``CLEAN`` for an empty list."""
        return max(verdicts, key=lambda v: v.severity, default=cls.CLEAN)


class ProbeKind(str, enum.Enum):
    """How a probe's values behave over a run."""

    LEVEL = "level"
    """A quantity that can rise and fall: bytes, threads, fds, live objects."""
    COUNTER = "counter"
    """A cumulative count of events since the measured phase began."""


@dataclass(frozen=True)
class Reading:
    """One probe's values at one checkpoint."""

    iteration: int
    """Measured calls completed when read; negative for the pre-warm-up baseline."""
    before_gc: float
    """Value as found, with uncollected garbage still alive."""
    after_gc: float
    """Value after the settle wait and ``gc.collect()``."""


@dataclass
class ProbeResult:
    """Readings and verdict of one probe over a whole measurement."""

    name: str
    unit: str
    kind: ProbeKind
    readings: list[Reading]
    baseline: float
    """After-collection value before the first warm-up call."""
    first: float
    """After-collection value at the first measured checkpoint."""
    last: float
    """After-collection value at the last checkpoint."""
    delta: float
    """``last - first``."""
    high_watermark: float
    """Highest value seen at any sample, checkpoint or per-call, of the run."""
    slope_per_iter: float
    """Robust slope of the after-collection values, in unit per call."""
    slope_before_gc_per_iter: float
    """Robust slope of the as-found values, in unit per call."""
    verdict: Verdict = Verdict.CLEAN
    reason: str = ""
    """One sentence giving the figures behind the verdict."""


@dataclass(frozen=True)
class AllocationSite:
    """A source line whose traced memory grew over the measured phase."""

    filename: str
    lineno: int
    size_delta: int
    count_delta: int
    bytes_per_iter: float
    traceback: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadInfo:
    """A thread alive above the baseline at the end of the run."""

    name: str
    ident: int | None
    daemon: bool
    stack: list[str] = field(default_factory=list)
    created_at: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FdInfo:
    """A file descriptor open above the baseline at the end of the run."""

    fd: int
    kind: str
    """``socket``, ``pipe``, ``epoll``, ``eventfd``, ``file`` or ``other``."""
    detail: str
    """Socket addresses, file path or link target."""


@dataclass(frozen=True)
class CreationRecord:
    """Where a leaked object (event loop, thread, socket) was created."""

    type_name: str
    stack: list[str]
    count: int = 1


@dataclass(frozen=True)
class EventSample:
    """An event counter with its first messages."""

    kind: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BackrefChain:
    """A chain of referrers from a module or thread down to a retained object."""

    type_name: str
    chain: list[str]


@dataclass
class Attribution:
    """Where the growth of a non-clean measurement comes from."""

    allocations: list[AllocationSite] = field(default_factory=list)
    threads: list[ThreadInfo] = field(default_factory=list)
    fds: list[FdInfo] = field(default_factory=list)
    creations: list[CreationRecord] = field(default_factory=list)
    events: list[EventSample] = field(default_factory=list)
    backrefs: list[BackrefChain] = field(default_factory=list)


class Status(str, enum.Enum):
    """Whether the measurement itself completed."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"


@dataclass
class Result:
    """One measurement: a callable run ``warmup + iterations`` times under probes."""

    target: str
    iterations: int
    warmup: int
    checkpoints: int
    status: Status = Status.OK
    verdict: Verdict = Verdict.CLEAN
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    attribution: Attribution = field(default_factory=Attribution)
    settings: dict[str, Any] = field(default_factory=dict)
    """Runner settings in force (pause_gc, tracemalloc frames, settle time...)."""
    error: str | None = None
    """Message and traceback or output tail, for ``error`` and ``timeout``."""
    duration_s: float = 0.0
    calls_completed: int = 0
    """Calls that returned, warm-up included; less than planned on error."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Figures a caller adds, such as delivery counts or burst peaks."""
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; enums become their string values."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Build a result from ``to_dict`` output.

        Raises ``KeyError``, ``TypeError`` or ``ValueError`` on malformed data;
        callers that read files turn those into ``ResultsFileError``.
        """
        probes = {
            name: _probe_from_dict(probe) for name, probe in data["probes"].items()
        }
        attribution = _attribution_from_dict(data.get("attribution") or {})
        return cls(
            target=data["target"],
            iterations=int(data["iterations"]),
            warmup=int(data["warmup"]),
            checkpoints=int(data["checkpoints"]),
            status=Status(data["status"]),
            verdict=Verdict(data["verdict"]),
            probes=probes,
            attribution=attribution,
            settings=dict(data.get("settings") or {}),
            error=data.get("error"),
            duration_s=float(data.get("duration_s", 0.0)),
            calls_completed=int(data.get("calls_completed", 0)),
            extra=dict(data.get("extra") or {}),
            schema_version=int(data["schema_version"]),
        )


def _probe_from_dict(data: dict[str, Any]) -> ProbeResult:
    readings = [Reading(**reading) for reading in data["readings"]]
    return ProbeResult(
        name=data["name"],
        unit=data["unit"],
        kind=ProbeKind(data["kind"]),
        readings=readings,
        baseline=float(data["baseline"]),
        first=float(data["first"]),
        last=float(data["last"]),
        delta=float(data["delta"]),
        high_watermark=float(data["high_watermark"]),
        slope_per_iter=float(data["slope_per_iter"]),
        slope_before_gc_per_iter=float(data["slope_before_gc_per_iter"]),
        verdict=Verdict(data["verdict"]),
        reason=data.get("reason", ""),
    )


def _attribution_from_dict(data: dict[str, Any]) -> Attribution:
    return Attribution(
        allocations=[AllocationSite(**item) for item in data.get("allocations", [])],
        threads=[ThreadInfo(**item) for item in data.get("threads", [])],
        fds=[FdInfo(**item) for item in data.get("fds", [])],
        creations=[CreationRecord(**item) for item in data.get("creations", [])],
        events=[EventSample(**item) for item in data.get("events", [])],
        backrefs=[BackrefChain(**item) for item in data.get("backrefs", [])],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
