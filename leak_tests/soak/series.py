"""Turn the samples of a soak into probe series and judge them with the engine's rules.

An outside sampler cannot run the server's garbage collector, so every reading
has ``before_gc == after_gc == sampled value``; the rules that compare the two
(``gc_dependent``) then never fire. The x axis is requests completed in the
measured phase, so slopes read "per call" mean per request. The series is:

- the baseline (iteration -1): the idle server after the warm-up traffic;
- one reading per sample taken while the measured traffic ran;
- a last reading of the idle server once every dispatched job has finished.

A steady rise across the measured phase is ``leak``; an idle server that stays
above its idle baseline is ``retained``; a plateau is ``clean``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leak_tests.engine import detect
from leak_tests.engine.result import ProbeKind, ProbeResult, Reading, Result
from leak_tests.soak.sampler import SAMPLE_FIELDS, Sample

PROBE_NAMES = {
    "rss": ("rss", "B"),
    "uss": ("uss", "B"),
    "threads": ("os_threads", "threads"),
    "fds": ("fds", "fds"),
    "connections": ("connections", "connections"),
}
"""Sample field to the engine's probe name and unit; byte units get noise floors."""


@dataclass(frozen=True)
class Phases:
    """Where the measured phase sits in the sampler's clock, in seconds."""

    baseline: Sample
    """Idle server after the warm-up traffic."""
    final: Sample
    """Idle server after the measured traffic, with every job finished."""
    measured_from: float
    measured_to: float
    completions: Sequence[float]
    """Sampler-clock times at which measured requests completed, ascending."""


def requests_done(completions: Sequence[float], t_s: float) -> int:
    """Return how many requests had completed by ``t_s``."""
    return bisect.bisect_right(completions, t_s)


def build_probe(field: str, samples: Sequence[Sample], phases: Phases) -> ProbeResult:
    """Build one probe's series from the samples of the measured phase."""
    name, unit = PROBE_NAMES[field]
    measured = [
        s for s in samples if phases.measured_from <= s.t_s <= phases.measured_to
    ]
    points = [
        (requests_done(phases.completions, s.t_s), _value(s, field)) for s in measured
    ]
    points.append((len(phases.completions), _value(phases.final, field)))

    baseline = _value(phases.baseline, field)
    readings = [Reading(-1, baseline, baseline)]
    readings += [Reading(x, value, value) for x, value in points]
    values = [value for _, value in points]
    xs = [float(x) for x, _ in points]
    slope = detect.theil_sen_slope(xs, values)
    return ProbeResult(
        name=name,
        unit=unit,
        kind=ProbeKind.LEVEL,
        readings=readings,
        baseline=baseline,
        first=values[0],
        last=values[-1],
        delta=values[-1] - values[0],
        high_watermark=max(_value(s, field) for s in samples),
        slope_per_iter=slope,
        slope_before_gc_per_iter=slope,
    )


def judge_samples(samples: Sequence[Sample], phases: Phases, *, target: str) -> Result:
    """Return a judged ``Result`` with one probe per sampled field."""
    result = Result(
        target=target,
        iterations=len(phases.completions),
        warmup=0,
        checkpoints=sum(
            1 for s in samples if phases.measured_from <= s.t_s <= phases.measured_to
        ),
        probes={
            PROBE_NAMES[field][0]: build_probe(field, samples, phases)
            for field in SAMPLE_FIELDS
        },
    )
    return detect.judge(result)


def summarize_verdicts(result: Result) -> dict[str, Any]:
    """Return ``{probe: {verdict, reason, slope_per_request, delta}}`` for reports."""
    return {
        name: {
            "verdict": probe.verdict.value,
            "reason": probe.reason,
            "slope_per_request": probe.slope_per_iter,
            "baseline": probe.baseline,
            "last": probe.last,
            "delta": probe.delta,
        }
        for name, probe in sorted(result.probes.items())
    }


def high_watermarks(samples: Sequence[Sample]) -> dict[str, float]:
    """Return the highest value of each sampled field, 0 when there are no samples."""
    return {
        field: max((_value(s, field) for s in samples), default=0.0)
        for field in SAMPLE_FIELDS
    }


def _value(sample: Sample, field: str) -> float:
    return float(getattr(sample, field))
