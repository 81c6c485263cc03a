"""Detection rules: turn a probe's readings into a verdict with its figures.

Pure statistics on ``Result`` and ``Reading`` objects; nothing here runs code or
imports pytest. ``judge`` applies the rules in order of severity to every probe:

1. ``cleanup_skipped``: an event counter counted anything in the measured phase.
2. ``leak``: the after-collection readings grow with calls across the whole run.
3. ``gc_dependent``: flat after collection but building up before it.
4. ``retained``: a step that then stays flat.
5. ``clean`` otherwise.

Counts of fds, threads and live objects are exact, so any step of 1 that stays
matters. Byte and block counts move for reasons unrelated to the callable, so
their rules compare slopes with a noise floor in unit per call. The floor is
calibrated by measuring an empty callable through the same runner
(``calibrate_noise_floor``) and never drops below ``DEFAULT_NOISE_FLOOR``.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leak_tests.engine.result import ProbeKind, ProbeResult, Result, Status, Verdict

DEFAULT_NOISE_FLOOR: dict[str, float] = {
    # Measured over 2,000 calls on a 2-core Linux machine: clean jobs grow traced
    # memory by +0.3 to +0.5 B per call on CPython 3.11-3.13. Library-heavy clean
    # jobs (httpx, aiosmtplib) level off, with second-half slopes of -9 to +5 B per
    # call. 6 B per call sits above both and under the 8 B per call target.
    "traced_bytes": 6.0,
    # The same clean jobs leave about +10 blocks over 2,000 calls (0.005 per call).
    "traced_blocks": 0.05,
    # NOTE: an estimate, not measured. RSS and USS move in 4 KiB pages and 256 KiB
    # obmalloc arenas. One arena over 2,000 calls is 128 B per call, so 1 KiB per
    # call leaves room for eight.
    "rss": 1024.0,
    "uss": 1024.0,
}
"""Smallest slope, in unit per call, that the byte and block rules treat as growth."""

# NOTE: CPython 3.10 asyncio keeps allocating for its first few hundred event loops
# in a process, so a run of a few hundred calls after a short warm-up can show that
# growth in both halves. Use 2,000 calls or a warm-up of 500 there.
MIN_RETAINED_STEP: dict[str, float] = {"traced_bytes": 65536.0, "traced_blocks": 1024.0}
"""Smallest single step of traced memory that counts as retained. CPython 3.10.13
allocates about 13 KiB in 140 blocks once, after 800-1,000 event loops, measured
with ``controls.event_loop_job`` over 2,000 calls on a 2-core Linux machine."""

MIN_PROCESS_MEMORY_GROWTH = 8 * 1024 * 1024
"""Smallest rise of RSS or USS over the measured phase that can count as a leak.

Process memory also contains tracemalloc's own tables, which grow with the number of
live traces, and allocator arenas that are kept once touched. Clean jobs of the
leak matrix (aiosmtplib, httpx) raised RSS by 1.2 to 2.1 MiB over runs of 300
calls, a slope of 4 to 7 KiB per call that the per-call floor alone calls a leak.
The floor for process memory is therefore at least this figure spread over the
measured calls: 4 KiB per call at 2,000 calls. A native leak smaller than that
shows only in long runs; leaks through Python's allocators show in traced memory.
"""

CALIBRATION_MARGIN = 4.0
"""Factor applied to a calibrated noise figure before it raises a default floor."""

AS_FOUND_THREAD_NOISE = 2.0
"""Threads seen above the after-collection count by clean jobs before collection:
the thread just joined (+1) and the default executor's worker (+2)."""

MIN_NON_NEGATIVE_SHARE = 0.75
"""Share of checkpoint intervals that must not fall for growth to count as a leak."""

MIN_HALF_RATIO = 0.5
"""For bytes and blocks, the second half's slope must be at least this share of the
first half's for growth to count as a leak.

A leak grows at a steady rate, so its halves match: 8 B per call gives 8.1 and 7.9.
Caches that fill once and then stop (``re``'s compiled patterns, import-system
caches on an error path) grow ever slower. The fixed helper's WhatsApp job against
a rejecting server read 387 B per call in the first half and 115 B in the second
over 100 calls after a 20-call warm-up. A leak behind such a transient is still
flagged once the run is long enough for the transient to fade."""

STEP_FACTOR = 3.0
"""An interval rising this many times more than the median interval is a step."""


@dataclass(frozen=True)
class ProbeRules:
    """Thresholds that the rules apply to one probe."""

    exact: bool
    """True for fds, threads and objects, where any change of 1 is real."""
    slope_threshold: float
    """Per-call slope at or above which a noisy probe grows; 0 for exact counts."""
    as_found_noise: float | None
    """Largest harmless excess of as-found over after-collection readings, or None
    where ``rule_gc_dependent`` does not apply."""
    steps_matter: bool = True
    """False where ``rule_retained`` does not apply."""


@dataclass(frozen=True)
class Growth:
    """Figures of the growth test on one series of readings."""

    growing: bool
    slope: float
    first_half: float
    second_half: float
    non_negative_share: float
    step: float
    """Size of the one-off step taken out before testing, 0 when none."""


@dataclass(frozen=True)
class Finding:
    """A verdict with the one sentence that justifies it."""

    verdict: Verdict
    reason: str


def theil_sen_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Return the Theil-Sen slope: the median of the slopes of all pairs of points.

    Up to about 29% of the points can be outliers without moving it, unlike a
    least-squares fit. Pairs with equal ``x`` are skipped; returns 0.0 for fewer
    than two distinct ``x`` values.
    """
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    return statistics.median(slopes) if slopes else 0.0


def rules_for(
    probe: ProbeResult, noise_floor: Mapping[str, float] | None = None
) -> ProbeRules:
    """Return the thresholds for a probe, from its name and unit.

    A calibrated ``noise_floor`` figure, times ``CALIBRATION_MARGIN``, only raises
    the default floor: an empty callable is quieter than any real job, so its
    figure alone would turn the ordinary noise of clean jobs into leaks.
    Level probes other than bytes and blocks are exact counts. Only fds and
    threads are judged ``gc_dependent`` (see ``rule_gc_dependent``), and process
    memory (``rss``, ``uss``) is never judged ``retained`` (see ``rule_retained``).
    """
    calibrated = abs((noise_floor or {}).get(probe.name, 0.0)) * CALIBRATION_MARGIN
    default = DEFAULT_NOISE_FLOOR.get(probe.name)
    process_memory = probe.name in ("rss", "uss")
    if default is None and probe.unit in ("B", "bytes"):
        default = DEFAULT_NOISE_FLOOR["rss"]
        process_memory = True
    if default is not None:
        threshold = max(default, calibrated)
        if process_memory:
            calls = max(_measured_calls(probe), 1)
            threshold = max(threshold, MIN_PROCESS_MEMORY_GROWTH / calls)
        return ProbeRules(False, threshold, None, steps_matter=not process_memory)
    if probe.name in ("py_threads", "os_threads"):
        return ProbeRules(True, calibrated, AS_FOUND_THREAD_NOISE)
    if probe.name == "fds":
        return ProbeRules(True, calibrated, 0.0)
    return ProbeRules(True, calibrated, None)


def measure_growth(
    xs: Sequence[float], ys: Sequence[float], rules: ProbeRules
) -> Growth:
    """Test whether ``ys`` grows with calls across the whole run.

    A one-off step (an interval rising ``STEP_FACTOR`` times more than the median
    interval) is first taken out of the series. Growth then needs three things.
    The Theil-Sen slope reaches the threshold. Both halves of the run rise, by at
    least 1 for exact counts and by a slope at or over the threshold otherwise.
    For bytes and blocks the second half also keeps ``MIN_HALF_RATIO`` of the
    first half's slope. At least ``MIN_NON_NEGATIVE_SHARE`` of the intervals do
    not fall. Fewer than
    three readings cannot tell a step from growth and never count as growing.
    """
    values, step = _without_step(ys, rules)
    if len(values) < 3:
        return Growth(False, 0.0, 0.0, 0.0, 0.0, step)
    middle = len(values) // 2
    slope = theil_sen_slope(xs, values)
    first = _half_rise(xs[: middle + 1], values[: middle + 1], rules)
    second = _half_rise(xs[middle:], values[middle:], rules)
    share = _non_negative_share(xs, values, rules)
    if rules.exact:
        growing = slope > rules.slope_threshold and first >= 1 and second >= 1
    else:
        threshold = rules.slope_threshold
        growing = slope >= threshold and first >= threshold and second >= threshold
        growing = growing and second >= MIN_HALF_RATIO * first
    growing = growing and share >= MIN_NON_NEGATIVE_SHARE
    return Growth(growing, slope, first, second, share, step)


def _without_step(ys: Sequence[float], rules: ProbeRules) -> tuple[list[float], float]:
    values = list(ys)
    if len(values) < 3:
        return values, 0.0
    deltas = [b - a for a, b in itertools.pairwise(values)]
    largest = max(range(len(deltas)), key=deltas.__getitem__)
    typical = statistics.median(deltas)
    excess = deltas[largest] - typical
    if excess <= 0 or excess <= STEP_FACTOR * abs(typical):
        return values, 0.0
    return values[: largest + 1] + [v - excess for v in values[largest + 1 :]], excess


def _half_rise(xs: Sequence[float], ys: Sequence[float], rules: ProbeRules) -> float:
    """Rise of one half: last minus first for exact counts, else its slope."""
    if rules.exact:
        return ys[-1] - ys[0]
    return theil_sen_slope(xs, ys)


def _non_negative_share(
    xs: Sequence[float], ys: Sequence[float], rules: ProbeRules
) -> float:
    """Share of intervals that fall by no more than the floor allows over them."""
    intervals = list(itertools.pairwise(zip(xs, ys, strict=True)))
    if not intervals:
        return 0.0
    kept = sum(
        1
        for (x0, y0), (x1, y1) in intervals
        if y1 - y0 >= -rules.slope_threshold * (x1 - x0)
    )
    return kept / len(intervals)


def _series(probe: ProbeResult) -> tuple[list[float], list[float], list[float]]:
    """Return iterations, after-collection and as-found values of measured readings."""
    measured = sorted(
        (r for r in probe.readings if r.iteration >= 0), key=lambda r: r.iteration
    )
    xs = [float(r.iteration) for r in measured]
    return xs, [r.after_gc for r in measured], [r.before_gc for r in measured]


def rule_cleanup_skipped(probe: ProbeResult) -> Finding | None:
    """Flag an event counter that counted anything in the measured phase.

    Event counters (destroyed pending tasks, unraisable errors, ResourceWarnings)
    are exact and far more sensitive than byte counts, so one event is enough.

    False alarm it avoids: events during warm-up only, counts ``0, 0, 0`` in the
    measured phase, are clean. Real case: ``0, 200, 400, ..., 2000`` "Task was
    destroyed but it is pending!" records over 2,000 calls.
    """
    if probe.kind is not ProbeKind.COUNTER and not probe.name.startswith("events."):
        return None
    _, after, before = _series(probe)
    count = max([probe.last, *after, *before])
    if count <= 0:
        return None
    calls = max(_measured_calls(probe), 1)
    return Finding(
        Verdict.CLEANUP_SKIPPED,
        f"{probe.name} counted {_number(count)} events in {_number(calls)} calls "
        f"({count / calls:.3g} per call) where the threshold is 0.",
    )


def rule_leak(probe: ProbeResult, rules: ProbeRules) -> Finding | None:
    """Flag after-collection readings that grow with calls across the run.

    See ``measure_growth`` for the test. Deltas between checkpoints, 200 calls
    apart, for a false alarm it avoids: traced bytes ``+40, -12, +593920, +8, -30,
    +16`` (the one-off block of about 580 KiB that CPython 3.10 allocates under
    ``time.get_clock_info()`` after 500-600 event loops) is a step, not a leak.
    A real leak of 8 B per call: ``+1608, +1592, +1600, +1611, +1590, +1599``.
    For fds, one per 500 calls gives ``0, 0, 1, 0, 1, 0, 0, 1, 0, 1``: after
    taking one step out both halves still rise, so it is a leak.
    """
    xs, after, _ = _series(probe)
    growth = measure_growth(xs, after, rules)
    if not growth.growing:
        return None
    return Finding(
        Verdict.LEAK,
        f"{probe.name} grew {_per_call(growth.slope, probe.unit)} after collection "
        f"(delta {_signed(probe.delta, probe.unit)}, first half "
        f"{_half(growth.first_half, probe.unit, rules)}, second half "
        f"{_half(growth.second_half, probe.unit, rules)}) where the threshold is "
        f"{_threshold(rules, probe.unit)}.",
    )


def rule_gc_dependent(probe: ProbeResult, rules: ProbeRules) -> Finding | None:
    """Flag readings that are flat after collection but build up before it.

    Either the as-found readings grow (the same test as ``rule_leak``), or they
    sit above the after-collection readings by more than ``rules.as_found_noise``
    at most checkpoints. Thread probes allow 2 because clean jobs show the thread
    just joined and the default executor's worker.

    Only fds and threads are judged here, because they are the resources that
    run out while they wait for the collector. Bytes and live objects are skipped.
    Ordinary cyclic garbage (a caught exception and its traceback, a cancelled
    task) builds up between full collections in clean code too, so the rule would
    also flag the ``asyncio.run`` fix. An open loop or socket still shows in the
    fds it keeps.

    False alarm it avoids: as-found threads ``+1, +2, +1, +1`` over the
    after-collection count. Real case: as-found fds ``+25, +61, +92, +40`` over a
    flat after-collection count, sockets closed only when a reference cycle is
    collected.
    """
    if rules.as_found_noise is None:
        return None
    xs, after, before = _series(probe)
    growth = measure_growth(xs, before, rules)
    if growth.growing:
        return Finding(
            Verdict.GC_DEPENDENT,
            f"{probe.name} grew {_per_call(growth.slope, probe.unit)} before "
            f"collection and stayed flat after it, where the threshold is "
            f"{_threshold(rules, probe.unit)}.",
        )
    if not xs:
        return None
    gaps = [b - a for a, b in zip(after, before, strict=True)]
    above = sum(1 for gap in gaps if gap > rules.as_found_noise)
    if above <= len(gaps) / 2:
        return None
    return Finding(
        Verdict.GC_DEPENDENT,
        f"{probe.name} sat up to {_signed(max(gaps), probe.unit)} above its "
        f"after-collection value at {above} of {len(gaps)} checkpoints, where the "
        f"allowed excess is {_number(rules.as_found_noise)} {probe.unit}.",
    )


def rule_retained(probe: ProbeResult, rules: ProbeRules) -> Finding | None:
    """Flag a step that then stays flat.

    Exact counts: the last after-collection reading at least 1 above the
    pre-warm-up baseline or the first measured reading. False alarm it avoids:
    fds ``12, 12, 12`` against a baseline of 12. Real case: event loops
    ``0 -> 4, 4, 4`` for the four workers of a reused thread pool, each keeping
    its closed loop: bounded, so retained and not a leak.

    Bytes and blocks: one interval rises by more than the floor allows over the
    whole run, and by at least ``MIN_RETAINED_STEP``, and the later readings stay
    within the floor. Warm-up allocations
    (imports, caches) are expected, so the baseline is not used. False alarm it
    avoids: ``+40, -12, +30, +8`` bytes. Real case: the 3.10 one-off step
    ``+40, -12, +593920, +8, -30``. Process memory (RSS, USS) is skipped: it moves
    in megabyte steps when tracemalloc's tables or the allocator's arenas grow,
    whatever the callable does.
    """
    if not rules.steps_matter:
        return None
    xs, after, _ = _series(probe)
    if rules.exact:
        excess = max(probe.last - probe.baseline, probe.last - probe.first)
        if excess < 1:
            return None
        return Finding(
            Verdict.RETAINED,
            f"{probe.name} stayed {_signed(excess, probe.unit)} above its baseline "
            f"of {_number(probe.baseline)} with no growth per call, where any "
            f"step of 1 counts.",
        )
    calls = _measured_calls(probe)
    budget = max(rules.slope_threshold * calls, MIN_RETAINED_STEP.get(probe.name, 0.0))
    deltas = [b - a for a, b in itertools.pairwise(after)]
    if not deltas or max(deltas) <= budget:
        return None
    index = deltas.index(max(deltas))
    tail = theil_sen_slope(xs[index + 1 :], after[index + 1 :])
    if len(xs) - index - 1 >= 2 and tail >= rules.slope_threshold:
        return None
    return Finding(
        Verdict.RETAINED,
        f"{probe.name} stepped {_signed(max(deltas), probe.unit)} between calls "
        f"{_number(xs[index])} and {_number(xs[index + 1])} and then stayed flat "
        f"({_per_call(tail, probe.unit)}), where the run's noise budget is "
        f"{_number(budget)} {probe.unit}.",
    )


def judge_probe(probe: ProbeResult, rules: ProbeRules) -> Finding:
    """Apply the rules to one probe, most severe first, and return the finding."""
    counted = rule_cleanup_skipped(probe)
    if counted is not None:
        return counted
    if probe.name.startswith("events.") or probe.kind is ProbeKind.COUNTER:
        return Finding(Verdict.CLEAN, f"{probe.name} counted no events.")
    for rule in (rule_leak, rule_gc_dependent, rule_retained):
        finding = rule(probe, rules)
        if finding is not None:
            return finding
    return _clean(probe, rules)


def judge(result: Result, *, noise_floor: Mapping[str, float] | None = None) -> Result:
    """Set every probe's verdict and reason, and the result's worst verdict.

    ``noise_floor`` maps probe names to a calibrated noise figure in unit per call,
    as ``calibrate_noise_floor`` returns. A result with status ``error`` or
    ``timeout`` takes that verdict whatever its probes show. Returns ``result``,
    changed in place.
    """
    for probe in result.probes.values():
        finding = judge_probe(probe, rules_for(probe, noise_floor))
        probe.verdict = finding.verdict
        probe.reason = finding.reason
    if result.status is Status.ERROR:
        result.verdict = Verdict.ERROR
    elif result.status is Status.TIMEOUT:
        result.verdict = Verdict.TIMEOUT
    else:
        result.verdict = Verdict.worst([p.verdict for p in result.probes.values()])
    return result


def calibrate_noise_floor(result: Result) -> dict[str, float]:
    """Return each level probe's noise, in unit per call, from an empty callable.

    The figure is the largest of the absolute Theil-Sen slope of the whole run, of
    its second half, and of the spread of the after-collection readings divided by
    the calls measured. Pass it to ``judge`` as ``noise_floor``.
    """
    floor: dict[str, float] = {}
    for name, probe in result.probes.items():
        if probe.kind is ProbeKind.COUNTER:
            continue
        xs, after, _ = _series(probe)
        if len(xs) < 2:
            continue
        middle = len(xs) // 2
        spread = (max(after) - min(after)) / max(xs[-1] - xs[0], 1.0)
        slopes = (
            theil_sen_slope(xs, after),
            theil_sen_slope(xs[middle:], after[middle:]),
        )
        floor[name] = max(spread, *(abs(s) for s in slopes))
    return floor


def _clean(probe: ProbeResult, rules: ProbeRules) -> Finding:
    if probe.delta > 0:
        return Finding(
            Verdict.CLEAN,
            f"{probe.name} changed {_signed(probe.delta, probe.unit)} "
            f"({_per_call(probe.slope_per_iter, probe.unit)}), suspicious but "
            f"below the {_threshold(rules, probe.unit)} threshold of every rule.",
        )
    return Finding(
        Verdict.CLEAN,
        f"{probe.name} stayed flat (delta {_signed(probe.delta, probe.unit)}).",
    )


def _measured_calls(probe: ProbeResult) -> int:
    iterations = [r.iteration for r in probe.readings if r.iteration >= 0]
    return max(iterations) - min(iterations) if iterations else 0


def _number(value: float) -> str:
    if math.isclose(value, round(value), abs_tol=1e-9):
        return f"{round(value):,}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def _signed(value: float, unit: str) -> str:
    sign = "+" if value >= 0 else "-"
    return f"{sign}{_number(abs(value))} {unit}"


def _per_call(value: float, unit: str) -> str:
    return f"{value:.3g} {unit} per call"


def _half(value: float, unit: str, rules: ProbeRules) -> str:
    return _signed(value, unit) if rules.exact else _per_call(value, unit)


def _threshold(rules: ProbeRules, unit: str) -> str:
    if rules.exact:
        return f"a rise of 1 {unit} in each half"
    return _per_call(rules.slope_threshold, unit)
