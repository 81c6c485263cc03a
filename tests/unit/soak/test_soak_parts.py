"""The soak's traffic plan, dispatch counter, sampler, options and document."""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import os
import time
from pathlib import Path
from typing import Any

import pytest

from app.utils.async_thread_helper import AsyncThreadRunner
from leak_tests.catalog.names import SITE_IDS
from leak_tests.commands.soak import settings_from_args, soak_exit_code
from leak_tests.engine.probes.fds import describe_process_fds
from leak_tests.errors import OutputError, ResultsFileError, UsageError
from leak_tests.report import validate_document
from leak_tests.report.document import collect_environment
from leak_tests.soak.delivery import MESSAGES_PER_SITE, expected_messages
from leak_tests.soak.document import check_out_dir, soak_document, summary_lines
from leak_tests.soak.run import added_fds
from leak_tests.soak.sampler import Sampler
from leak_tests.soak.serve import DispatchCounter
from leak_tests.soak.traffic import round_steps

SITES = set(SITE_IDS)


def test_round_steps_reach_every_site_once() -> None:
    # GIVEN / WHEN one round of traffic
    steps = round_steps(7)

    # THEN each of the eight sites is dispatched exactly once
    sites = [step.site for step in steps if step.site is not None]
    assert sorted(sites) == sorted(SITES)


def test_round_steps_use_unique_addresses_per_round() -> None:
    # GIVEN / WHEN two rounds
    first, second = round_steps(1), round_steps(2)

    # THEN their request bodies differ
    assert first[0].body != second[0].body


def test_expected_messages_weights_each_site() -> None:
    # GIVEN two succeeded approvals and one failed invitation
    by_site = {
        "booking_approval_notifications": {"dispatched": 2, "succeeded": 2},
        "vendor_invite": {"dispatched": 1, "failed": 1},
    }

    # WHEN / THEN only succeeded jobs count, four messages per approval
    assert expected_messages(by_site) == 8
    assert set(MESSAGES_PER_SITE) == SITES


async def _ok_job(value: int) -> int:
    await asyncio.sleep(0)
    return value


async def _failing_job() -> None:
    raise ConnectionRefusedError("peer down")


async def _slow_job() -> None:
    await asyncio.sleep(5)


def test_dispatch_counter_counts_each_outcome() -> None:
    # GIVEN the app's real runner behind the counter
    runner = AsyncThreadRunner(max_concurrency=2)
    counter = DispatchCounter(runner.run_async_in_thread, pattern="fixed")

    # WHEN jobs succeed, fail and time out
    handles = [
        counter(_ok_job, 1),
        counter(_failing_job),
        counter(_slow_job, _timeout=0.05),
    ]
    for handle in handles:
        handle.wait(10)
    snapshot = counter.snapshot()

    # THEN every job is counted once, under its site
    assert snapshot["dispatched"] == 3
    assert snapshot["succeeded"] == 1
    assert snapshot["failed"] == 1
    assert snapshot["timed_out"] == 1
    assert snapshot["pending"] == 0
    assert snapshot["by_site"]["_ok"] == {"dispatched": 1, "succeeded": 1}
    assert runner.stats().timed_out == 1


def test_dispatch_counter_wait_finished_times_out_when_pending() -> None:
    # GIVEN a job that runs longer than the wait
    runner = AsyncThreadRunner(max_concurrency=1)
    counter = DispatchCounter(runner.run_async_in_thread, pattern="fixed")
    handle = counter(_slow_job, _timeout=0.3)

    # WHEN / THEN a short wait reports it pending, a longer one finished
    assert counter.wait_finished(0.01) is False
    assert counter.wait_finished(10) is True
    handle.wait(10)


def test_sampler_reads_at_the_interval() -> None:
    # GIVEN a sampler on this process at 0.05 s
    sampler = Sampler(os.getpid(), 0.05).start()

    # WHEN it runs for half a second
    time.sleep(0.5)
    samples = sampler.stop()

    # THEN it sampled more than once and no sample came before its tick on the
    # 0.05 s schedule (a busy machine may delay reads, so there is no upper
    # bound), with real figures
    assert 2 <= len(samples) <= 12
    gaps = [b.t_s - a.t_s for a, b in itertools.pairwise(samples)]
    assert all(gap > 0 for gap in gaps)
    assert all(s.t_s >= i * 0.05 - 1e-3 for i, s in enumerate(samples))
    assert samples[0].rss > 0
    assert samples[0].threads >= 2


def test_sampler_rejects_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="got 0"):
        Sampler(os.getpid(), 0)


def _args(**overrides: Any) -> argparse.Namespace:
    values = {
        "duration": 10.0,
        "rate": 5.0,
        "patterns": "fixed,legacy",
        "sample_interval": 0.5,
        "port": None,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


def test_settings_from_args_keeps_valid_values() -> None:
    settings = settings_from_args(_args(patterns="legacy, fixed,legacy"))

    assert settings.patterns == ("legacy", "fixed")
    assert settings.rate == 5.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"patterns": "fixed,async"}, "--patterns 'fixed,async' is invalid"),
        ({"patterns": ","}, "--patterns ',' is invalid"),
        ({"duration": 0.0}, "--duration 0 is invalid"),
        ({"rate": -1.0}, "--rate -1 is invalid"),
        ({"sample_interval": 0.0}, "--sample-interval 0 is invalid"),
        ({"port": 70000}, "--port 70000 is invalid"),
    ],
)
def test_settings_from_args_rejects_bad_value(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        settings_from_args(_args(**overrides))


def _pattern_summary(*, verdict: str = "clean", lost: int = 0) -> dict[str, Any]:
    sample = {"t_s": 1.0, "rss": 1.0, "uss": 1.0, "threads": 2, "fds": 8,
              "connections": 1}  # fmt: skip
    return {
        "verdict": verdict,
        "verdicts": {"rss": {"verdict": verdict, "reason": "rss grew."}},
        "high_watermarks": {"rss": 2.0 * 2**20, "threads": 9.0, "fds": 30.0},
        "final": sample,
        "traffic": {
            "latency": {"p50_ms": 4.0, "p99_ms": 9.0},
            "rps": 19.5,
            "errors": 0,
        },
        "delivery": {"lost": lost, "delivered_messages": 11, "expected_messages": 11},
        "stop": {"exit_code": 0, "clean": lost == 0},
    }


def _soak(**patterns: dict[str, Any]) -> dict[str, Any]:
    return {
        "settings": {"duration": 1.0},
        "samples": {name: [summary["final"]] for name, summary in patterns.items()},
        "patterns": patterns,
    }


def test_soak_document_new_is_valid_run_document() -> None:
    # GIVEN a soak section and no earlier run document
    soak = _soak(fixed=_pattern_summary(), legacy=_pattern_summary(verdict="leak"))

    # WHEN it becomes a document
    document = soak_document(soak, None)
    document["environment"] = collect_environment()

    # THEN the report schema accepts it and the section is kept whole
    validate_document(document)
    assert document["soak"]["patterns"]["legacy"]["verdict"] == "leak"


def test_soak_document_merge_keeps_scenarios() -> None:
    existing = {"schema_version": 1, "scenarios": [{"id": "x"}], "soak": None}

    document = soak_document(_soak(fixed=_pattern_summary()), existing)

    assert document["scenarios"] == [{"id": "x"}]
    assert document["soak"]["patterns"]["fixed"]["verdict"] == "clean"


def test_summary_lines_show_reason_of_non_clean_probe() -> None:
    lines = summary_lines(_soak(legacy=_pattern_summary(verdict="leak")))

    assert lines[1].startswith("legacy   leak")
    assert lines[2] == "  rss: rss grew."


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ({"fixed": _pattern_summary(), "legacy": _pattern_summary(verdict="leak")}, 0),
        ({"fixed": _pattern_summary(verdict="leak")}, 1),
        ({"legacy": _pattern_summary(lost=1)}, 1),
    ],
)
def test_soak_exit_code_per_outcome(patterns: dict[str, Any], expected: int) -> None:
    assert soak_exit_code(_soak(**patterns), io.StringIO()) == expected


def test_soak_document_round_trips_through_write(tmp_path: Path) -> None:
    from leak_tests.soak.document import write_soak

    # GIVEN an empty report folder
    # WHEN a soak is written twice
    write_soak(_soak(fixed=_pattern_summary()), tmp_path)
    path = write_soak(_soak(legacy=_pattern_summary()), tmp_path)

    # THEN the second write replaced the soak section of the same document
    text = path.read_text(encoding="utf-8")
    assert '"legacy"' in text
    assert '"fixed"' not in text
    assert (tmp_path / "leakcheck.html").exists()


def test_added_fds_lists_only_new_descriptors(tmp_path: Path) -> None:
    # GIVEN the descriptors of this process before and after opening a file
    before = describe_process_fds(os.getpid())
    path = tmp_path / "held.txt"
    path.write_text("x")
    with open(path) as held:
        after = describe_process_fds(os.getpid())

        # WHEN the two readings are compared
        added = added_fds(before, after)

        # THEN the held file is the one added descriptor, with its number
        assert added == [{"fd": held.fileno(), "kind": "file", "detail": str(path)}]


def test_summary_lines_show_added_fds() -> None:
    # GIVEN a soak whose server kept one more socket after the traffic
    summary = _pattern_summary()
    summary["fds_added"] = [
        {"fd": 14, "kind": "socket", "detail": "SOCK_STREAM 127.0.0.1:5 -> 127.0.0.1:6"}
    ]

    # WHEN it is summarised as text
    lines = summary_lines(_soak(fixed=summary))

    # THEN the descriptor is named with its number and addresses
    assert "  added fd 14: socket SOCK_STREAM 127.0.0.1:5 -> 127.0.0.1:6" in lines


def test_soak_rejects_bad_report_folder_before_traffic(tmp_path: Path) -> None:
    # GIVEN a folder whose leakcheck.json is truncated, and a path under a file
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "leakcheck.json").write_text('{"schema_version": 1, "scen')
    blocked = tmp_path / "file.txt"
    blocked.write_text("x")

    # WHEN the soak checks them before sending any request
    # THEN each is rejected with its path, and the broken file is left alone
    with pytest.raises(ResultsFileError, match=r"leakcheck\.json"):
        check_out_dir(broken)
    with pytest.raises(OutputError, match=r"file\.txt"):
        check_out_dir(blocked / "reports")
    assert (broken / "leakcheck.json").read_text() == '{"schema_version": 1, "scen'
