"""Soak samples judged with the engine's rules, and the soak's plain figures."""

from __future__ import annotations

import pytest

from leak_tests.soak.sampler import Sample
from leak_tests.soak.series import (
    Phases,
    high_watermarks,
    judge_samples,
    requests_done,
)
from leak_tests.soak.traffic import percentile

MIB = 2**20


def _sample(t_s: float, *, rss: float = 80 * MIB, threads: int = 3) -> Sample:
    return Sample(
        t_s=t_s,
        rss=int(rss),
        uss=int(rss) - 10 * MIB,
        threads=threads,
        fds=12,
        connections=2,
    )


def _phases(samples: list[Sample], final: Sample) -> Phases:
    # One request completes every 0.05 s of the measured phase (20 per second).
    count = int((samples[-1].t_s - samples[0].t_s) / 0.05)
    return Phases(
        baseline=samples[0],
        final=final,
        measured_from=samples[0].t_s,
        measured_to=final.t_s,
        completions=[samples[0].t_s + 0.05 * (i + 1) for i in range(count)],
    )


def test_judge_samples_plateau_is_clean() -> None:
    # GIVEN RSS that rises for a while, then stays within a few pages
    samples = [
        _sample(t, rss=80 * MIB + min(t, 5.0) * MIB + (t % 2) * 4096)
        for t in range(1, 61)
    ]
    final = _sample(61.0, rss=samples[-1].rss)

    # WHEN the series is judged
    result = judge_samples(samples, _phases(samples, final), target="soak/fixed")

    # THEN RSS is not a leak, and the steady thread count is clean
    assert result.probes["rss"].verdict.value != "leak"
    assert result.probes["os_threads"].verdict.value == "clean"


def test_judge_samples_steady_growth_is_leak() -> None:
    # GIVEN RSS growing 200 KiB per second, 10 KiB per request at 20 per second:
    # 12 MiB over the run, above the engine's 8 MiB floor for process memory
    samples = [_sample(t, rss=80 * MIB + t * 200 * 1024) for t in range(1, 61)]
    final = _sample(61.0, rss=samples[-1].rss + 200 * 1024)

    # WHEN the series is judged
    result = judge_samples(samples, _phases(samples, final), target="soak/legacy")

    # THEN RSS is a leak, and so is the whole result
    assert result.probes["rss"].verdict.value == "leak"
    assert result.verdict.value == "leak"


def test_judge_samples_growth_under_process_memory_floor_is_clean() -> None:
    # GIVEN RSS growing 40 KiB per second for a minute: 2.4 MiB in all
    samples = [_sample(t, rss=80 * MIB + t * 40 * 1024) for t in range(1, 61)]
    final = _sample(61.0, rss=samples[-1].rss + 40 * 1024)

    # WHEN the series is judged
    result = judge_samples(samples, _phases(samples, final), target="soak/fixed")

    # THEN it stays under the 8 MiB floor for process memory, so it is clean
    assert result.probes["rss"].verdict.value == "clean"


def test_judge_samples_idle_threads_above_baseline_are_retained() -> None:
    # GIVEN an idle server that keeps 4 more threads after the traffic
    samples = [_sample(float(t), threads=3 if t == 1 else 7) for t in range(1, 31)]
    final = _sample(31.0, threads=7)

    # WHEN the series is judged
    result = judge_samples(samples, _phases(samples, final), target="soak/legacy")

    # THEN the thread probe is retained, a bounded step and not a leak
    assert result.probes["os_threads"].verdict.value == "retained"


def test_judge_samples_readings_equal_before_and_after_collection() -> None:
    # GIVEN any sampled series
    samples = [_sample(float(t)) for t in range(1, 11)]
    final = _sample(11.0)

    # WHEN it becomes probe readings
    result = judge_samples(samples, _phases(samples, final), target="soak/fixed")

    # THEN every reading carries the sampled value on both sides of collection
    readings = result.probes["fds"].readings
    assert all(r.before_gc == r.after_gc for r in readings)
    assert readings[0].iteration == -1


def test_requests_done_counts_completions_up_to_time() -> None:
    # GIVEN completions at 1, 2 and 3 seconds
    completions = [1.0, 2.0, 3.0]

    # WHEN / THEN a time counts the completions at or before it
    assert requests_done(completions, 0.5) == 0
    assert requests_done(completions, 2.0) == 2
    assert requests_done(completions, 9.0) == 3


def test_high_watermarks_take_each_field_maximum() -> None:
    # GIVEN samples whose peaks fall at different times
    samples = [_sample(1.0, rss=90 * MIB, threads=4), _sample(2.0, threads=9)]

    # WHEN the high watermarks are taken
    peaks = high_watermarks(samples)

    # THEN each field has its own maximum
    assert peaks["rss"] == 90 * MIB
    assert peaks["threads"] == 9


@pytest.mark.parametrize(
    ("pct", "expected"), [(50, 50.0), (90, 90.0), (99, 99.0), (100, 100.0)]
)
def test_percentile_nearest_rank_on_hundred_values(pct: float, expected: float) -> None:
    # GIVEN the values 1 to 100
    values = [float(v) for v in range(1, 101)]

    # WHEN / THEN the nearest-rank percentile is the value at that rank
    assert percentile(values, pct) == expected


def test_percentile_empty_is_zero() -> None:
    assert percentile([], 99) == 0.0
