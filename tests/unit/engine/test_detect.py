"""Detection rules on synthetic readings: a false alarm and a real case each."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from leak_tests.engine import detect
from leak_tests.engine.result import (
    ProbeKind,
    ProbeResult,
    Reading,
    Result,
    Status,
    Verdict,
)

STEP = 200
"""Calls between checkpoints: 10 intervals make a 2,000-call run."""

UNITS = {"traced_bytes": "B", "traced_blocks": "blocks", "rss": "B", "fds": "fds"}


def make_probe(
    name: str,
    after: Sequence[float],
    before: Sequence[float] | None = None,
    *,
    baseline: float | None = None,
    kind: ProbeKind = ProbeKind.LEVEL,
) -> ProbeResult:
    """Build a probe whose measured readings are ``STEP`` calls apart."""
    before = list(after) if before is None else list(before)
    unit = UNITS.get(name, name.split(".")[0])
    start = after[0] if baseline is None else baseline
    readings = [Reading(-1, start, start)]
    readings += [
        Reading(i * STEP, b, a)
        for i, (a, b) in enumerate(zip(after, before, strict=True))
    ]
    return ProbeResult(
        name=name,
        unit=unit,
        kind=kind,
        readings=readings,
        baseline=start,
        first=after[0],
        last=after[-1],
        delta=after[-1] - after[0],
        high_watermark=max([*after, *before]),
        slope_per_iter=0.0,
        slope_before_gc_per_iter=0.0,
    )


def linear(per_call: float, points: int = 11, start: float = 0.0) -> list[float]:
    return [start + per_call * STEP * i for i in range(points)]


def verdict_of(
    probe: ProbeResult, noise_floor: dict[str, float] | None = None
) -> Verdict:
    finding = detect.judge_probe(probe, detect.rules_for(probe, noise_floor))
    return finding.verdict


# Seeded noise of +/- 60 B per checkpoint: the size of clean-job noise.
NOISE = [0, 40, -12, 30, 8, -30, 16, 52, -44, 20, 4]


def test_theil_sen_slope_ignores_one_outlier() -> None:
    # GIVEN a line of slope 2 with one wild point
    xs = [0, 1, 2, 3, 4, 5, 6]
    ys = [0, 2, 4, 1000, 8, 10, 12]

    # WHEN the slope is estimated
    slope = detect.theil_sen_slope(xs, ys)

    # THEN the outlier does not move it
    assert slope == 2.0


@pytest.mark.parametrize(
    ("per_call", "expected"),
    [(6.0, Verdict.LEAK), (5.0, Verdict.CLEAN)],
    ids=["at-threshold", "one-under"],
)
def test_leak_traced_bytes_at_threshold(per_call: float, expected: Verdict) -> None:
    # GIVEN traced bytes rising steadily at or one byte under the 6 B floor
    probe = make_probe("traced_bytes", linear(per_call, start=1e6))

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN only the slope at the floor is a leak
    assert verdict is expected


def test_leak_traced_bytes_with_noise() -> None:
    # GIVEN 8 B per call under clean-job noise
    probe = make_probe(
        "traced_bytes", [v + n for v, n in zip(linear(8.0), NOISE, strict=True)]
    )

    # WHEN judged
    finding = detect.judge_probe(probe, detect.rules_for(probe))

    # THEN it is a leak whose reason gives the slope and the threshold
    assert finding.verdict is Verdict.LEAK
    assert "6 B per call" in finding.reason


def test_leak_not_flagged_for_noise_alone() -> None:
    # GIVEN clean-job noise and +0.5 B per call
    probe = make_probe(
        "traced_bytes", [v + n for v, n in zip(linear(0.5), NOISE, strict=True)]
    )

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN it is clean
    assert verdict is Verdict.CLEAN


def test_leak_not_flagged_when_growth_levels_off() -> None:
    # GIVEN a library-heavy job: 75 B per call early on, flat in the second half
    after = [0, 60000, 110000, 140000, 150000, 150100, 149800, 150200, 150050, 149900]

    # WHEN judged
    verdict = verdict_of(make_probe("traced_bytes", after))

    # THEN it is not a leak
    assert verdict is not Verdict.LEAK


@pytest.mark.parametrize("position", range(1, 11))
def test_one_off_step_is_never_a_leak(position: int) -> None:
    # GIVEN the 3.10 one-off block of about 580 KiB at any interval, under noise
    after = [n + (593920 if i >= position else 0) for i, n in enumerate(NOISE)]

    # WHEN judged
    verdict = verdict_of(make_probe("traced_bytes", after))

    # THEN it is retained (or clean), never a leak
    assert verdict is Verdict.RETAINED


@pytest.mark.parametrize(
    ("step", "expected"),
    [(13233, Verdict.CLEAN), (13233 * 20, Verdict.RETAINED)],
    ids=["small", "large"],
)
def test_retained_bytes_step_over_long_run(step: int, expected: Verdict) -> None:
    # GIVEN the 3.10 step of about 13 KiB after 800-1,000 loops, over 20,000 calls
    after = [0] * 5 + [step] * 6
    probe = make_probe("traced_bytes", after)
    probe.readings = [
        Reading(r.iteration * 10, r.before_gc, r.after_gc) for r in probe.readings
    ]

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN only a step over both the run budget and the minimum is retained
    assert verdict is expected


@pytest.mark.parametrize("position", [2, 5, 8])
def test_one_off_step_hides_no_real_leak(position: int) -> None:
    # GIVEN the 3.10 step on top of a real 8 B per call leak
    after = [
        v + n + (593920 if i >= position else 0)
        for i, (v, n) in enumerate(zip(linear(8.0), NOISE, strict=True))
    ]

    # WHEN judged
    verdict = verdict_of(make_probe("traced_bytes", after))

    # THEN the leak is still found
    assert verdict is Verdict.LEAK


@pytest.mark.parametrize("name", ["fds", "py_threads", "objects.Task"])
def test_leak_exact_count_one_per_call(name: str) -> None:
    # GIVEN one object, fd or thread kept per call
    probe = make_probe(name, linear(1.0, start=5))

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN it is a leak
    assert verdict is Verdict.LEAK


def test_leak_exact_count_one_per_500_calls() -> None:
    # GIVEN one fd kept every 500 calls over 2,000 calls
    after = [5 + (i * STEP) // 500 for i in range(11)]

    # WHEN judged
    verdict = verdict_of(make_probe("fds", after))

    # THEN it is a leak
    assert verdict is Verdict.LEAK


@pytest.mark.parametrize(
    ("second_half_rise", "expected"),
    [(1, Verdict.LEAK), (0, Verdict.RETAINED)],
    ids=["at-threshold", "one-under"],
)
def test_leak_exact_count_needs_both_halves(
    second_half_rise: int, expected: Verdict
) -> None:
    # GIVEN fds rising by 2 in the first half and by 0 or 1 in the second
    after = [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2 + second_half_rise]

    # WHEN judged
    verdict = verdict_of(make_probe("fds", after))

    # THEN only growth in both halves is a leak
    assert verdict is expected


def test_pool_workers_step_is_retained() -> None:
    # GIVEN four pool workers each keeping its closed loop, reached in warm-up
    probe = make_probe("objects.EventLoop", [4] * 11, baseline=0)

    # WHEN judged
    finding = detect.judge_probe(probe, detect.rules_for(probe))

    # THEN it is retained, a bounded step
    assert finding.verdict is Verdict.RETAINED
    assert "+4 objects" in finding.reason


def test_pool_workers_step_inside_run_is_retained() -> None:
    # GIVEN the workers reached one by one inside the measured phase
    probe = make_probe("objects.EventLoop", [1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4])

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN a step that stops is retained, not a leak
    assert verdict is Verdict.RETAINED


@pytest.mark.parametrize(
    ("excess", "expected"),
    [(1, Verdict.RETAINED), (0, Verdict.CLEAN)],
    ids=["at-threshold", "one-under"],
)
def test_retained_exact_count_at_threshold(excess: int, expected: Verdict) -> None:
    # GIVEN fds flat at baseline plus 0 or 1
    probe = make_probe("fds", [12 + excess] * 11, baseline=12)

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN one fd that stays is retained
    assert verdict is expected


@pytest.mark.parametrize(
    ("step", "expected"),
    [(65537, Verdict.RETAINED), (65536, Verdict.CLEAN)],
    ids=["over-minimum", "at-minimum"],
)
def test_retained_bytes_step_over_minimum(step: int, expected: Verdict) -> None:
    # GIVEN a single step against the 64 KiB minimum (the run budget is 12,000 B)
    after = [0] * 5 + [step] * 6

    # WHEN judged
    verdict = verdict_of(make_probe("traced_bytes", after))

    # THEN only a step over the budget is retained
    assert verdict is expected


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(1, Verdict.GC_DEPENDENT), (0, Verdict.CLEAN)],
    ids=["at-threshold", "one-under"],
)
def test_gc_dependent_fds_above_after_collection(gap: int, expected: Verdict) -> None:
    # GIVEN fds flat after collection and ``gap`` above it as found
    after = [10] * 11
    before = [10 + gap] * 11

    # WHEN judged
    verdict = verdict_of(make_probe("fds", after, before))

    # THEN any fd held until collection is gc-dependent
    assert verdict is expected


def test_gc_dependent_fds_growing_before_collection() -> None:
    # GIVEN sockets in reference cycles, the collector paused
    after = [10] * 11
    before = [10 + v for v in linear(1.0)]

    # WHEN judged
    finding = detect.judge_probe(
        make_probe("fds", after, before), detect.rules_for(make_probe("fds", after))
    )

    # THEN it is gc-dependent, not a leak
    assert finding.verdict is Verdict.GC_DEPENDENT
    assert "before collection" in finding.reason


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(3, Verdict.GC_DEPENDENT), (2, Verdict.CLEAN)],
    ids=["over-noise", "at-noise"],
)
def test_gc_dependent_threads_allow_joined_thread(gap: int, expected: Verdict) -> None:
    # GIVEN threads seen above the after-collection count as found
    after = [3] * 11
    before = [3 + gap] * 11

    # WHEN judged
    verdict = verdict_of(make_probe("py_threads", after, before))

    # THEN the joined thread and executor worker of clean jobs are allowed
    assert verdict is expected


def test_gc_dependent_needs_most_checkpoints() -> None:
    # GIVEN fds above the after-collection count at only 5 of 11 checkpoints
    after = [10] * 11
    before = [11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 10]

    # WHEN judged
    verdict = verdict_of(make_probe("fds", after, before))

    # THEN it is clean
    assert verdict is Verdict.CLEAN


def test_gc_dependent_bytes_ignore_steady_garbage() -> None:
    # GIVEN bytes 50 KB above the after-collection value as found, not growing
    after = [1e6 + n for n in NOISE]
    before = [v + 50000 for v in after]

    # WHEN judged
    verdict = verdict_of(make_probe("traced_bytes", after, before))

    # THEN the garbage of ordinary cycles is clean
    assert verdict is Verdict.CLEAN


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, Verdict.CLEANUP_SKIPPED), (0, Verdict.CLEAN)],
    ids=["at-threshold", "one-under"],
)
def test_cleanup_skipped_on_any_event(count: int, expected: Verdict) -> None:
    # GIVEN an event counter reaching ``count`` in the measured phase
    after = [0] * 10 + [count]
    probe = make_probe("events.task_destroyed", after, kind=ProbeKind.COUNTER)

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN one event is enough
    assert verdict is expected


def test_cleanup_skipped_reason_gives_rate() -> None:
    # GIVEN one destroyed pending task per call
    probe = make_probe("events.task_destroyed", linear(1.0), kind=ProbeKind.COUNTER)

    # WHEN judged
    finding = detect.judge_probe(probe, detect.rules_for(probe))

    # THEN the reason gives the count and the rate
    assert finding.reason.startswith("events.task_destroyed counted 2,000 events")
    assert "(1 per call)" in finding.reason


def test_leak_impossible_with_two_readings() -> None:
    # GIVEN fds read at only two checkpoints
    probe = make_probe("fds", [0, 400])

    # WHEN judged
    verdict = verdict_of(probe)

    # THEN a step cannot be told from growth, so it is retained
    assert verdict is Verdict.RETAINED


def test_calibrated_floor_raises_threshold() -> None:
    # GIVEN 8 B per call and an empty callable that showed 3 B per call of noise
    probe = make_probe("traced_bytes", linear(8.0))

    # WHEN judged with that floor
    verdict = verdict_of(probe, noise_floor={"traced_bytes": 3.0})

    # THEN the threshold is 12 B per call and 8 B per call passes
    assert verdict is Verdict.CLEAN


def test_calibrated_floor_never_lowers_default() -> None:
    # GIVEN an empty callable with no measurable noise
    probe = make_probe("traced_bytes", linear(0.0))

    # WHEN the rules are chosen with that floor
    rules = detect.rules_for(probe, {"traced_bytes": 0.0})

    # THEN the default floor stays
    assert rules.slope_threshold == detect.DEFAULT_NOISE_FLOOR["traced_bytes"]


def test_calibrate_noise_floor_reports_spread() -> None:
    # GIVEN an empty callable's traced bytes moving by 100 B over 2,000 calls
    result = Result(target="empty", iterations=2000, warmup=100, checkpoints=10)
    result.probes["traced_bytes"] = make_probe("traced_bytes", [0] * 10 + [100])

    # WHEN the noise floor is calibrated
    floor = detect.calibrate_noise_floor(result)

    # THEN it is the spread per call
    assert floor == {"traced_bytes": 0.05}


def _result_with(*probes: ProbeResult, status: Status = Status.OK) -> Result:
    result = Result(
        target="t", iterations=2000, warmup=100, checkpoints=10, status=status
    )
    result.probes = {probe.name: probe for probe in probes}
    return result


def test_judge_sets_worst_verdict() -> None:
    # GIVEN a retained loop step and a leaking fd
    result = _result_with(
        make_probe("objects.EventLoop", [4] * 11, baseline=0),
        make_probe("fds", linear(1.0)),
    )

    # WHEN judged
    detect.judge(result)

    # THEN the result takes the worst
    assert result.verdict is Verdict.LEAK
    assert result.probes["objects.EventLoop"].verdict is Verdict.RETAINED


@pytest.mark.parametrize(
    ("status", "expected"),
    [(Status.ERROR, Verdict.ERROR), (Status.TIMEOUT, Verdict.TIMEOUT)],
)
def test_judge_status_wins(status: Status, expected: Verdict) -> None:
    # GIVEN a failed measurement whose readings look clean
    result = _result_with(make_probe("fds", [3] * 11), status=status)

    # WHEN judged
    detect.judge(result)

    # THEN the status decides the verdict
    assert result.verdict is expected


def test_judge_gives_every_probe_a_reason() -> None:
    # GIVEN a clean probe
    result = _result_with(make_probe("fds", [3] * 11))

    # WHEN judged
    detect.judge(result)

    # THEN its reason names the probe and the delta
    assert result.probes["fds"].reason == "fds stayed flat (delta +0 fds)."


@pytest.mark.parametrize(
    ("rise_per_interval", "expected"),
    [
        # 10 intervals of 200 calls: 8 MiB over the run is the process-memory floor.
        (8 * 1024 * 1024 / 10, Verdict.LEAK),
        (8 * 1024 * 1024 / 10 - 4096, Verdict.CLEAN),
    ],
)
def test_rss_leak_needs_minimum_growth_over_run(
    rise_per_interval: float, expected: Verdict
) -> None:
    # GIVEN RSS rising steadily by the same amount at every checkpoint
    after = [50e6 + i * rise_per_interval for i in range(11)]
    probe = make_probe("rss", after)

    # WHEN it is judged
    finding = detect.judge_probe(probe, detect.rules_for(probe))

    # THEN only a rise of at least MIN_PROCESS_MEMORY_GROWTH over the run is a leak
    assert finding.verdict is expected


def test_rss_floor_scales_with_measured_calls() -> None:
    # GIVEN a 300-call run where RSS rose 7 KiB per call (2.1 MiB in all)
    probe = make_probe("rss", [50e6 + i * 7 * 1024 * 30 for i in range(11)])
    probe.readings = [
        Reading(
            r.iteration * 30 // STEP if r.iteration >= 0 else -1,
            r.before_gc,
            r.after_gc,
        )
        for r in probe.readings
    ]

    # WHEN its thresholds are computed
    rules = detect.rules_for(probe)

    # THEN the floor is 8 MiB spread over 300 calls, above the observed slope
    assert rules.slope_threshold == pytest.approx(
        detect.MIN_PROCESS_MEMORY_GROWTH / 300
    )
    assert detect.judge_probe(probe, rules).verdict is Verdict.CLEAN


@pytest.mark.parametrize(
    ("second_half_per_call", "expected"),
    [
        # First half 40 B per call; the second must keep at least half of that.
        (20.0, Verdict.LEAK),
        (19.0, Verdict.CLEAN),
    ],
)
def test_traced_bytes_leak_needs_steady_rate(
    second_half_per_call: float, expected: Verdict
) -> None:
    # GIVEN traced bytes rising 40 B per call, then slower in the second half
    first = [1e6 + i * STEP * 40.0 for i in range(6)]
    second = [first[-1] + i * STEP * second_half_per_call for i in range(1, 6)]
    probe = make_probe("traced_bytes", first + second)

    # WHEN it is judged
    finding = detect.judge_probe(probe, detect.rules_for(probe))

    # THEN only a rate that holds up in the second half is a leak
    assert finding.verdict is expected


def test_cache_filling_up_is_not_leak() -> None:
    # GIVEN readings of a cache that fills quickly and then ever slower
    after = [2_173_261, 2_178_096, 2_181_876, 2_186_115, 2_189_694, 2_192_421]
    after += [2_194_078, 2_195_578, 2_196_732, 2_197_761, 2_198_191]
    probe = make_probe("traced_bytes", after)

    # WHEN it is judged
    finding = detect.judge_probe(probe, detect.rules_for(probe))

    # THEN it is not a leak
    assert finding.verdict is not Verdict.LEAK
