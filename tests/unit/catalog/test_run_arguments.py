import argparse

import pytest

from leak_tests.cli import build_parser, main
from leak_tests.commands.arguments import MAX_CALLS, seconds_type
from leak_tests.commands.run import scenarios_from_args, settings_from_args
from leak_tests.matrix.settings import DEFAULT_FAULT_ITERATIONS, DEFAULT_ITERATIONS


def test_run_unknown_site_exits_2_naming_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN / WHEN
    code = main(["run", "--sites", "booking_whatsapp,no_such_site"])

    # THEN
    err = capsys.readouterr().err
    assert code == 2
    assert "'no_such_site'" in err
    assert "booking_approval_notifications" in err


@pytest.mark.parametrize("option", ["--patterns", "--contexts", "--conditions"])
def test_run_unknown_choice_exits_2(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN / WHEN
    code = main(["run", option, "bogus"])

    # THEN
    assert code == 2
    assert f"{option}: unknown value 'bogus'" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_run_rejects_invalid_iterations(value: str) -> None:
    # GIVEN / WHEN
    with pytest.raises(SystemExit) as raised:
        main(["run", "--iterations", value])

    # THEN argparse exits with the usage-error code
    assert raised.value.code == 2


def test_run_rejects_selection_without_scenarios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN / WHEN
    code = main(["run", "--patterns", "fixed", "--contexts", "pool"])

    # THEN
    assert code == 2
    assert "select no scenario" in capsys.readouterr().err


def test_run_defaults_match_documented_counts() -> None:
    # GIVEN / WHEN
    args = build_parser().parse_args(["run"])
    settings = settings_from_args(args)
    specs = scenarios_from_args(args)

    # THEN
    assert settings.iterations == DEFAULT_ITERATIONS == 2000
    assert settings.fault_iterations == DEFAULT_FAULT_ITERATIONS
    assert {spec.condition for spec in specs} == {"ok", "slow", "failing"}
    assert settings.burst


def test_run_hidden_dispatch_option_reaches_settings() -> None:
    # GIVEN
    args = build_parser().parse_args(
        ["run", "--fixed-dispatch", "pkg.mod:dispatch", "--no-burst"]
    )

    # WHEN
    settings = settings_from_args(args)

    # THEN
    assert settings.fixed_dispatch == "pkg.mod:dispatch"
    assert not settings.burst


def test_run_help_hides_test_only_option(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN / WHEN
    with pytest.raises(SystemExit):
        main(["run", "--help"])

    # THEN
    out = capsys.readouterr().out
    assert "--fixed-dispatch" not in out
    assert "--iterations" in out


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--iterations", "99999999999999999999"),
        ("--warmup", "10000001"),
        ("--pool-workers", "1001"),
        ("--jobs", "65"),
        ("--burst-size", "5001"),
        ("--timeout", "inf"),
        ("--stall", "nan"),
    ],
)
def test_run_rejects_values_over_limit(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN / WHEN
    with pytest.raises(SystemExit) as raised:
        main(["run", option, value])

    # THEN the error names the option before anything is measured
    assert raised.value.code == 2
    assert option in capsys.readouterr().err


@pytest.mark.parametrize("command", [["run"], ["check", "os:getcwd"]])
@pytest.mark.parametrize(
    ("option", "largest"), [("--iterations", MAX_CALLS), ("--warmup", MAX_CALLS)]
)
def test_run_and_check_share_count_limits(
    command: list[str], option: str, largest: int
) -> None:
    # GIVEN the two commands that take call counts
    parser = build_parser()

    # WHEN each is given the largest count, then one more
    accepted = parser.parse_args([*command, option, str(largest)])
    with pytest.raises(SystemExit) as raised:
        parser.parse_args([*command, option, str(largest + 1)])

    # THEN both take the same range
    assert getattr(accepted, option.removeprefix("--")) == largest
    assert raised.value.code == 2


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "86401", "soon"])
def test_seconds_options_reject_values_out_of_range(value: str) -> None:
    # GIVEN a seconds option of each command
    convert = seconds_type("timeout")

    # WHEN / THEN each bad value is refused with its text in the message
    with pytest.raises(argparse.ArgumentTypeError, match=repr(value)):
        convert(value)
