"""The leakcheck marker, the leak_check fixture, options and ini keys, in sessions."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

QUICK = "iterations=40, warmup=5, checkpoints=4, probes=['fds']"
"""Marker arguments for a fast measurement that reads only the fd count."""

LEAKY_MODULE = f"""
import os
import pytest

_kept = []

@pytest.mark.leakcheck({QUICK})
def test_leaky():
    _kept.append(os.open(os.devnull, os.O_RDONLY))
"""

CLEAN_MODULE = f"""
import pytest

@pytest.mark.leakcheck({QUICK})
def test_clean():
    sum(range(10))
"""


def test_marker_fails_leaking_test(pytester: pytest.Pytester) -> None:
    # GIVEN a marked test that keeps one fd per call
    pytester.makepyfile(LEAKY_MODULE)

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the test fails with one sentence naming the probe and the threshold
    outcome.assert_outcomes(failed=1)
    outcome.stdout.fnmatch_lines(
        ["*test_leaky: leak on fds: fds grew 1 fds per call*threshold*"]
    )


def test_marker_passes_clean_test(pytester: pytest.Pytester) -> None:
    # GIVEN a marked test that keeps nothing
    pytester.makepyfile(CLEAN_MODULE)

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN it passes and the summary counts it
    outcome.assert_outcomes(passed=1)
    outcome.stdout.fnmatch_lines(["*tests measured: 1 (1 clean)*"])


def test_marker_calls_test_body_repeatedly(pytester: pytest.Pytester) -> None:
    # GIVEN a marked test that counts its calls, and a test that reads the count
    pytester.makepyfile(
        f"""
        import pytest

        calls = []

        @pytest.mark.leakcheck({QUICK})
        def test_counted():
            calls.append(1)

        def test_count():
            assert len(calls) == 45
        """
    )

    # WHEN the session runs in file order
    outcome = pytester.runpytest("-p", "no:randomly")

    # THEN the body ran warm-up plus iterations times
    outcome.assert_outcomes(passed=2)


def test_report_section_shows_probe_table(pytester: pytest.Pytester) -> None:
    # GIVEN a leaking marked test
    pytester.makepyfile(LEAKY_MODULE)

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the failure carries a leakcheck section with the table and the fds
    outcome.stdout.fnmatch_lines(
        [
            "*- leakcheck -*",
            "*probe*unit*baseline*first*last*delta*slope*watermark*verdict*",
            "*fds*fds*+1*leak*",
            "*fd * still open: file /dev/null*",
        ]
    )


def test_marker_allow_passes_allowed_verdict(pytester: pytest.Pytester) -> None:
    # GIVEN a leaking test whose marker allows leaks
    pytester.makepyfile(
        LEAKY_MODULE.replace("probes=['fds']", "probes=['fds'], allow=['leak']")
    )

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN it passes
    outcome.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("limit", "failed"), [(1.0, 0), (0.0, 1)], ids=["at-limit", "under-limit"]
)
def test_marker_max_per_call_limit(
    pytester: pytest.Pytester, limit: float, failed: int
) -> None:
    # GIVEN a test keeping 1 fd per call, leaks allowed, with a per-call limit
    pytester.makepyfile(
        LEAKY_MODULE.replace(
            "probes=['fds']",
            f"probes=['fds'], allow=['leak'], max_per_call={{'fds': {limit}}}",
        )
    )

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN a slope equal to the limit passes and one above it fails
    outcome.assert_outcomes(passed=1 - failed, failed=failed)


def test_marker_max_per_call_message(pytester: pytest.Pytester) -> None:
    # GIVEN a per-call limit under the fd slope
    pytester.makepyfile(
        LEAKY_MODULE.replace(
            "probes=['fds']",
            "probes=['fds'], allow=['leak'], max_per_call={'fds': 0.5}",
        )
    )

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the message names the probe, the slope and the limit
    outcome.stdout.fnmatch_lines(
        ["*fds grew 1 fds per call, over the max_per_call limit of 0.5 fds per call.*"]
    )


def test_marker_unknown_keyword_names_valid_ones(pytester: pytest.Pytester) -> None:
    # GIVEN a marker with a misspelt keyword
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.leakcheck(iteration=5)
        def test_x():
            pass
        """
    )

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the test fails naming the bad and the valid keywords
    outcome.assert_outcomes(failed=1)
    outcome.stdout.fnmatch_lines(["*unknown keyword iteration: use iterations, *"])


def test_fixture_returns_result_and_fails_leak(pytester: pytest.Pytester) -> None:
    # GIVEN tests that measure a clean and a leaking callable with the fixture
    pytester.makepyfile(
        """
        import os

        kept = []

        def test_clean(leak_check):
            result = leak_check(
                lambda: None, iterations=30, checkpoints=3, probes=["fds"]
            )
            assert result.verdict.value == "clean"
            assert result.iterations == 30

        def test_leaky(leak_check):
            leak_check(
                lambda: kept.append(os.open(os.devnull, os.O_RDONLY)),
                iterations=30,
                checkpoints=3,
                probes=["fds"],
            )
        """
    )

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the clean one passes and the leaking one fails with the sentence
    outcome.assert_outcomes(passed=1, failed=1)
    outcome.stdout.fnmatch_lines(["*test_leaky: leak on fds: fds grew*"])


def test_fixture_overrides_marker(pytester: pytest.Pytester) -> None:
    # GIVEN a marker setting 20 iterations and a fixture call setting 25
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.leakcheck(iterations=20, checkpoints=2, probes=["fds"])
        def test_x(leak_check):
            assert leak_check(lambda: None).iterations == 20
            assert leak_check(lambda: None, iterations=25).iterations == 25
        """
    )

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the marker set the first and the fixture call won in the second
    outcome.assert_outcomes(passed=1)


READ_SETTINGS = """
def test_settings(leak_check):
    result = leak_check(lambda: None, probes=["fds"])
    print("SETTINGS", result.iterations, result.warmup, result.checkpoints)
"""


def test_options_set_values(pytester: pytest.Pytester) -> None:
    # GIVEN a test printing the settings it was measured with
    pytester.makepyfile(READ_SETTINGS)

    # WHEN each option is given a distinct value on the command line
    outcome = pytester.runpytest(
        "-s", "--leak-iterations", "12", "--leak-warmup", "3", "--leak-checkpoints", "4"
    )

    # THEN the measurement used every one
    outcome.stdout.fnmatch_lines(["*SETTINGS 12 3 4"])


def test_ini_keys_set_values(pytester: pytest.Pytester) -> None:
    # GIVEN each key in an ini file and a test printing its settings
    pytester.makeini(
        "[pytest]\nleak_iterations = 12\nleak_warmup = 3\nleak_checkpoints = 4\n"
    )
    pytester.makepyfile(READ_SETTINGS)

    # WHEN the session runs
    outcome = pytester.runpytest("-s")

    # THEN the measurement used every one
    outcome.stdout.fnmatch_lines(["*SETTINGS 12 3 4"])


def test_defaults_without_options(pytester: pytest.Pytester) -> None:
    # GIVEN no option, ini key or marker
    pytester.makepyfile(READ_SETTINGS)

    # WHEN the session runs
    outcome = pytester.runpytest("-s")

    # THEN the defaults apply
    outcome.stdout.fnmatch_lines(["*SETTINGS 1000 100 10"])


FIRST_CALL_FD = """
import os

kept = []

def keep_first():
    if not kept:
        kept.append(os.open(os.devnull, os.O_RDONLY))

def test_retained(leak_check):
    leak_check(keep_first, iterations=20, checkpoints=2, probes=["fds"])
"""


def test_fail_on_option_fails_retained(pytester: pytest.Pytester) -> None:
    # GIVEN a callable keeping one fd from its first call: retained
    pytester.makepyfile(FIRST_CALL_FD)

    # WHEN --leak-fail-on names retained
    outcome = pytester.runpytest("--leak-fail-on", "retained")

    # THEN the test fails on it
    outcome.assert_outcomes(failed=1)
    outcome.stdout.fnmatch_lines(["*retained on fds: fds stayed +1 fds above*"])


def test_fail_on_ini_key_fails_retained(pytester: pytest.Pytester) -> None:
    # GIVEN the same callable and leak_fail_on = retained in the ini file
    pytester.makeini("[pytest]\nleak_fail_on = leak, retained\n")
    pytester.makepyfile(FIRST_CALL_FD)

    # WHEN the session runs
    outcome = pytester.runpytest()

    # THEN the test fails on it
    outcome.assert_outcomes(failed=1)


def test_retained_passes_by_default(pytester: pytest.Pytester) -> None:
    # GIVEN a callable keeping one fd from its first call
    pytester.makepyfile(FIRST_CALL_FD)

    # WHEN the session runs with the default --leak-fail-on
    outcome = pytester.runpytest()

    # THEN retained is reported but passes
    outcome.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("ini", "cli", "marker", "expected"),
    [
        ("11", "12", "13", "*SETTINGS 13"),
        ("11", "12", None, "*SETTINGS 12"),
        ("11", None, None, "*SETTINGS 11"),
    ],
    ids=["marker", "command-line", "ini"],
)
def test_resolver_order_marker_cli_ini_default(
    pytester: pytest.Pytester,
    ini: str | None,
    cli: str | None,
    marker: str | None,
    expected: str,
) -> None:
    # GIVEN iterations set in some of the ini file, command line and marker
    if ini is not None:
        pytester.makeini(f"[pytest]\nleak_iterations = {ini}\n")
    decorator = f"@pytest.mark.leakcheck(iterations={marker})" if marker else ""
    pytester.makepyfile(
        f"""
        import pytest

        {decorator}
        def test_settings(leak_check):
            result = leak_check(lambda: None, checkpoints=2, probes=["fds"])
            print("SETTINGS", result.iterations)
        """
    )
    args = ["-s"] if cli is None else ["-s", "--leak-iterations", cli]

    # WHEN the session runs
    outcome = pytester.runpytest(*args)

    # THEN the highest layer that is set wins
    outcome.stdout.fnmatch_lines([f"*{expected}"])


@pytest.mark.parametrize("value", ["0", "ten"])
def test_option_rejects_invalid_count(pytester: pytest.Pytester, value: str) -> None:
    # GIVEN any test module
    pytester.makepyfile("def test_x():\n    pass\n")

    # WHEN --leak-iterations is invalid
    outcome = pytester.runpytest(f"--leak-iterations={value}")

    # THEN pytest stops with a usage error quoting the value
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    outcome.stderr.fnmatch_lines([f"*invalid iterations '{value}'*"])


def test_ini_key_rejects_invalid_verdict(pytester: pytest.Pytester) -> None:
    # GIVEN an ini file naming an unknown verdict
    pytester.makeini("[pytest]\nleak_fail_on = leak, leaky\n")
    pytester.makepyfile(READ_SETTINGS)

    # WHEN a test measures
    outcome = pytester.runpytest()

    # THEN the error names the key and the bad value
    outcome.stdout.fnmatch_lines(["*ini key leak_fail_on: invalid verdict 'leaky'*"])


def test_markers_line_comes_from_docstring(pytester: pytest.Pytester) -> None:
    # GIVEN any project
    # WHEN the markers are listed
    outcome = pytester.runpytest("--markers")

    # THEN the leakcheck line shows the keywords and the summary
    outcome.stdout.fnmatch_lines(
        ["@pytest.mark.leakcheck(iterations=None, *max_per_call=None): Call the test*"]
    )


def test_unmarked_session_is_untouched(pytester: pytest.Pytester) -> None:
    # GIVEN a session with no marker, fixture or option of the plugin
    pytester.makepyfile(
        """
        import tracemalloc

        def test_plain():
            assert not tracemalloc.is_tracing()
        """
    )

    # WHEN it runs
    outcome = pytester.runpytest()

    # THEN nothing is traced and no leakcheck summary is printed
    outcome.assert_outcomes(passed=1)
    assert "tests measured" not in outcome.stdout.str()


@pytest.mark.slow
def test_marker_works_in_xdist_worker(pytester: pytest.Pytester) -> None:
    # GIVEN a leaking and a clean marked test
    pytester.makepyfile(LEAKY_MODULE + CLEAN_MODULE.replace("import pytest", ""))

    # WHEN they run in two xdist workers
    outcome = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")

    # THEN each is judged in its own worker
    outcome.assert_outcomes(passed=1, failed=1)
