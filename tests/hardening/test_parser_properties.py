"""Arbitrary arguments and files never produce a traceback, only exit 0, 1 or 2."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hardening_helpers import call_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leak_tests.errors import ResultsFileError
from leak_tests.report import load_document
from leak_tests.report.baseline import load_baseline

EXIT_CODES = (0, 1, 2)
OPTION_VALUES = st.text(max_size=30)
RUN_OPTIONS = st.sampled_from(
    [
        "--sites",
        "--patterns",
        "--contexts",
        "--conditions",
        "--iterations",
        "--fault-iterations",
        "--warmup",
        "--checkpoints",
        "--jobs",
        "--timeout",
        "--job-timeout",
        "--stall",
        "--burst-size",
    ]
)
CHECK_OPTIONS = st.sampled_from(
    ["--iterations", "--warmup", "--checkpoints", "--timeout", "--fail-on"]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
DOCUMENT_KEYS = st.sampled_from(
    ["schema_version", "kind", "partial", "scenarios", "settings", "target", "id"]
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def assert_clean_exit(code: int, stderr: str) -> None:
    assert code in EXIT_CODES
    assert "Traceback" not in stderr


@SETTINGS
@given(option=RUN_OPTIONS, value=OPTION_VALUES)
def test_run_options_never_raise(option: str, value: str) -> None:
    # GIVEN any value for one run option, and a filter that selects nothing
    # WHEN the command line is parsed (an unknown site stops it before measuring)
    completed = call_cli("run", option, value, "--sites", "\x00no site")

    # THEN it exits with a code and a message, never a traceback
    assert_clean_exit(completed.exit_code, completed.stderr)
    assert completed.exit_code == 2


@SETTINGS
@given(option=CHECK_OPTIONS, value=OPTION_VALUES, target=OPTION_VALUES)
def test_check_options_never_raise(option: str, value: str, target: str) -> None:
    # GIVEN any target text and any value for one check option
    # WHEN the command line is parsed (the target fails to resolve before measuring)
    completed = call_cli("check", f"no_such_module_{target!r}:f", option, value)

    # THEN it exits 2 with a message, never a traceback
    assert_clean_exit(completed.exit_code, completed.stderr)
    assert completed.exit_code == 2


def load_quietly(loader: object, text: bytes) -> str | None:
    """Write ``text`` to a file, load it, and return the error message, if any."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.json"
        path.write_bytes(text)
        try:
            loader(path)  # type: ignore[operator]
        except ResultsFileError as exc:
            return str(exc)
    return None


@SETTINGS
@given(data=st.binary(max_size=200))
def test_document_loader_rejects_bytes_cleanly(data: bytes) -> None:
    # GIVEN arbitrary bytes in a results file
    # WHEN it is loaded
    message = load_quietly(load_document, data)

    # THEN it is rejected with ResultsFileError naming the file
    assert message is not None
    assert "results.json" in message


@SETTINGS
@given(value=JSON_VALUES)
def test_document_loader_rejects_json_cleanly(value: object) -> None:
    # GIVEN arbitrary JSON
    text = json.dumps(value).encode()

    # WHEN it is loaded as a run document
    message = load_quietly(load_document, text)

    # THEN only ResultsFileError escapes, naming the file
    assert message is None or "results.json" in message


@SETTINGS
@given(
    document=st.dictionaries(DOCUMENT_KEYS, JSON_VALUES, max_size=7),
    loader=st.sampled_from([load_document, load_baseline]),
)
def test_document_like_json_rejected_cleanly(document: dict, loader: object) -> None:
    # GIVEN JSON objects with the keys of run documents and arbitrary values
    text = json.dumps(document).encode()

    # WHEN they are loaded as results or as a baseline
    message = load_quietly(loader, text)

    # THEN only ResultsFileError escapes
    assert message is None or "results.json" in message or "baseline" in message


@SETTINGS
@given(data=st.binary(max_size=200))
def test_report_command_exits_cleanly(data: bytes) -> None:
    # GIVEN arbitrary bytes as the results file of `report`
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.json"
        path.write_bytes(data)

        # WHEN the report command reads it
        completed = call_cli("report", str(path), "--out", str(Path(folder) / "out"))

    # THEN it exits 2 with a message naming the file
    assert_clean_exit(completed.exit_code, completed.stderr)
    assert completed.exit_code == 2
