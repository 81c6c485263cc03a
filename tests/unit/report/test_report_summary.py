import io
import json
from pathlib import Path

from report_documents import make_document, make_scenario

from leak_tests.engine.result import Verdict
from leak_tests.report import load_benchmark_timings, write_reports
from leak_tests.report.charts import scaled_unit
from leak_tests.report.summary import (
    build_scorecard,
    format_per_call,
    headline,
    key_deltas,
)
from leak_tests.report.terminal import MAX_WIDTH, make_console, scenario_table
from leak_tests.report.views import banners


def test_headline_counts_per_pattern() -> None:
    # GIVEN a run where the old pattern leaks at one site and is retained at another
    scenarios = [
        make_scenario("a", "fixed", "helper"),
        make_scenario("b", "fixed", "helper"),
        make_scenario("a", "legacy", "thread", verdict=Verdict.LEAK),
        make_scenario("b", "legacy", "pool", verdict=Verdict.RETAINED),
    ]

    # WHEN the headline is built
    text = headline(scenarios)

    # THEN each pattern has its own count
    assert text == (
        "fixed helper: 2 of 2 scenarios clean; "
        "old pattern: 0 of 2 scenarios clean (1 LEAK, 1 retained)"
    )


def test_scorecard_marks_regressed_cell() -> None:
    # GIVEN one regressed scenario
    scenarios = [make_scenario("a", "legacy", "thread", verdict=Verdict.LEAK)]

    # WHEN the scorecard is built
    scorecard = build_scorecard(
        scenarios, regressions=frozenset({("a/legacy/thread/ok", "3.11.7")})
    )

    # THEN its cell is marked and shows the per-call change
    cell = scorecard.rows[0][1][0]
    assert cell is not None
    assert cell.regression is True
    assert cell.deltas[0] == ("fds", "+3.00 fds/call")


def test_bytes_per_call_use_binary_prefix() -> None:
    # GIVEN a slope of 1.5 KiB per call
    # WHEN it is formatted
    # THEN it reads with a sign and a binary prefix
    assert format_per_call(1536.0, "B") == "+1.5 KiB/call"


def test_terminal_table_fits_width() -> None:
    # GIVEN a wide terminal and long scenario names
    stream = io.StringIO()
    console = make_console(file=stream, width=200)
    scenarios = make_document()["scenarios"]

    # WHEN the summary table is printed
    console.print(scenario_table(scenarios))

    # THEN no line is wider than the limit
    assert max(len(line) for line in stream.getvalue().splitlines()) <= MAX_WIDTH


def test_banner_for_few_iterations_and_partial() -> None:
    # GIVEN an interrupted run with fewer calls than the default
    document = make_document(sites=("a",), iterations=200)
    document["partial"] = True

    # WHEN the banners are built
    messages = banners(document)

    # THEN both are flagged
    assert any("interrupted" in message for message in messages)
    assert any("Only 200 measured calls" in message for message in messages)


def test_benchmark_json_becomes_timings(tmp_path: Path) -> None:
    # GIVEN pytest-benchmark output with labelled and unlabelled benchmarks
    path = tmp_path / "bench.json"
    path.write_text(
        json.dumps(
            {
                "benchmarks": [
                    {
                        "name": "test_dispatch[fixed]",
                        "params": {"pattern": "fixed"},
                        "extra_info": {"site": "vendor_invite", "context": "helper"},
                        "stats": {
                            "mean": 0.00035,
                            "median": 0.0003,
                            "stddev": 2e-05,
                            "rounds": 100,
                        },
                    },
                    {"name": "test_other", "stats": {"mean": 1.0}},
                ]
            }
        )
    )

    # WHEN it is loaded
    rows = load_benchmark_timings(path)

    # THEN the labelled benchmark is a row in microseconds
    assert len(rows) == 1
    assert rows[0]["site"] == "vendor_invite"
    assert round(rows[0]["mean_us"], 3) == 350.0


def test_scorecard_groups_columns_by_pattern() -> None:
    # GIVEN the fixed helper and the old pattern in two conditions each
    scenarios = [
        make_scenario("a", pattern, context, condition)
        for pattern, context in (("fixed", "helper"), ("legacy", "thread"))
        for condition in ("ok", "slow")
    ]

    # WHEN the scorecard is built
    scorecard = build_scorecard(scenarios)

    # THEN the header spans each pattern over its conditions
    assert scorecard.groups == [("fixed/helper", 2), ("legacy/thread", 2)]
    assert scorecard.conditions == ["ok", "slow", "ok", "slow"]


def test_retained_cell_shows_what_was_kept() -> None:
    # GIVEN a scenario whose loop count stepped up once and stayed
    scenario = make_scenario("a", "legacy", "pool", verdict=Verdict.RETAINED)
    scenario["probes"] = {
        "objects.EventLoop": {
            "name": "objects.EventLoop",
            "unit": "objects",
            "verdict": "retained",
            "slope_per_iter": 0.0,
            "baseline": 0.0,
            "last": 1.0,
        }
    }

    # WHEN its key changes are listed
    deltas = key_deltas(scenario)

    # THEN the step above the baseline is shown, not a zero slope
    assert deltas == [("objects.EventLoop", "+1 objects kept")]


def test_byte_axes_switch_to_larger_units() -> None:
    # GIVEN byte figures of about 90 MiB, 3 KiB and 500 B, and a count
    # WHEN their drawing unit is chosen
    # THEN each reads in the unit its size calls for
    assert scaled_unit("B", [90 * 2**20]) == ("MiB", 2**20)
    assert scaled_unit("B", [3000.0, 30_000.0]) == ("KiB", 2**10)
    assert scaled_unit("B", [500.0]) == ("B", 1.0)
    assert scaled_unit("fds", [90 * 2**20]) == ("fds", 1.0)


def test_burst_table_names_site_and_share_delivered(tmp_path: Path) -> None:
    # GIVEN a run document with bursts
    document = make_document()
    burst = document["bursts"][0]

    # WHEN its page is written
    write_reports(document, tmp_path)
    html = (tmp_path / "leakcheck.html").read_text(encoding="utf-8")

    # THEN each burst row names its site and what share of the burst arrived
    assert f"<td>{burst['site']}</td><td>{burst['pattern']}</td>" in html
    assert f"<td>{burst['delivered']} of {burst['size']}</td>" in html
