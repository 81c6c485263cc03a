"""measure_isolated measures the same way under every other CPython that has the
harness installed.

Interpreters come from ``LEAK_TESTS_PYTHONS`` (paths separated by ``os.pathsep``)
when it is set, and otherwise from the project's ``.venv-*`` folders (``make
venvs`` builds them) and pyenv's versions folder. Each one whose minor version
differs from the running interpreter's and that can import ``leak_tests``,
``psutil`` and ``objgraph`` is tested. When there is none, the tests skip and
name every candidate with the reason it was left out.
"""

from __future__ import annotations

import functools
import glob
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from leak_tests import measure_isolated
from leak_tests.engine.result import Status, Verdict

PROJECT_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
)
CONTROLS = "leak_tests.engine.controls"
SHORT: dict[str, Any] = {
    "iterations": 300,
    "warmup": 20,
    "checkpoints": 6,
    "timeout": 120.0,
}
PROBE_TIMEOUT_S = 60.0

_PROBE_SOURCE = (
    "import sys; import leak_tests, psutil, objgraph; "
    "print('%d.%d' % sys.version_info[:2])"
)


@dataclass(frozen=True)
class Interpreter:
    """A candidate interpreter and what checking it found."""

    path: str
    version: str | None
    """``major.minor``, or None when the harness cannot be imported."""
    problem: str | None = None


def candidate_paths() -> list[str]:
    """Return the interpreter paths to check, in order of preference."""
    listed = os.environ.get("LEAK_TESTS_PYTHONS")
    if listed is not None:
        return [path for path in listed.split(os.pathsep) if path]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    venvs = sorted(glob.glob(os.path.join(PROJECT_ROOT, ".venv-*", "bin", "python")))
    pyenv = sorted(
        glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python"))
    )
    return venvs + pyenv


def check_interpreters(paths: list[str]) -> list[Interpreter]:
    """Try to import the harness under every path at once; return what each did."""
    started: list[tuple[str, subprocess.Popen[str] | OSError]] = []
    for path in paths:
        try:
            process = subprocess.Popen(
                [path, "-c", _PROBE_SOURCE],
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as exc:
            started.append((path, exc))
        else:
            started.append((path, process))
    return [_finish_check(path, process) for path, process in started]


def _finish_check(path: str, process: subprocess.Popen[str] | OSError) -> Interpreter:
    if isinstance(process, OSError):
        return Interpreter(path, None, f"cannot run: {process}")
    try:
        out, err = process.communicate(timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return Interpreter(path, None, f"timed out after {PROBE_TIMEOUT_S:g} s")
    if process.returncode != 0:
        last_line = (err.strip().splitlines() or ["no output"])[-1]
        return Interpreter(path, None, last_line)
    return Interpreter(path, out.strip())


@functools.lru_cache(maxsize=1)
def other_interpreters() -> tuple[list[Interpreter], str]:
    """Return one usable interpreter per other minor version, and a skip reason
    listing every candidate left out."""
    running = "{}.{}".format(*sys.version_info[:2])
    usable: dict[str, Interpreter] = {}
    left_out = []
    for found in check_interpreters(candidate_paths()):
        if found.version is None:
            left_out.append(f"{found.path}: {found.problem}")
        elif found.version == running:
            left_out.append(f"{found.path}: same version as this one ({running})")
        else:
            usable.setdefault(found.version, found)
    reason = (
        f"no CPython other than {running} can import the harness; run `make venvs` "
        "or set LEAK_TESTS_PYTHONS. Checked: " + ("; ".join(left_out) or "nothing")
    )
    return list(usable.values()), reason


def _interpreter_params() -> list[object]:
    usable, reason = other_interpreters()
    if not usable:
        return [pytest.param(None, id="none", marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(found, id=found.version) for found in usable]


@pytest.mark.parametrize("interpreter", _interpreter_params())
def test_empty_callable_clean_other_python(interpreter: Interpreter) -> None:
    # WHEN an empty callable is measured under the other interpreter
    result = measure_isolated(
        f"{CONTROLS}:empty", python=interpreter.path, name="empty", **SHORT
    )

    # THEN the run completes there, clean on every probe
    assert result.status is Status.OK, result.error
    assert result.calls_completed == 320
    assert result.verdict is Verdict.CLEAN, result.to_dict()["probes"]
    assert result.probes["fds"].delta == 0
    assert result.probes["traced_bytes"].slope_per_iter < 6.0


@pytest.mark.parametrize("interpreter", _interpreter_params())
def test_fd_leak_flagged_other_python(interpreter: Interpreter) -> None:
    # WHEN a callable keeping one descriptor per call is measured there
    result = measure_isolated(
        f"{CONTROLS}:leak_fd", python=interpreter.path, name="leak_fd", **SHORT
    )

    # THEN the fd probe grows one per call and is judged a leak
    assert result.status is Status.OK, result.error
    assert result.probes["fds"].slope_per_iter == 1.0
    assert result.probes["fds"].verdict is Verdict.LEAK
    assert result.verdict is Verdict.LEAK


@pytest.mark.parametrize("interpreter", _interpreter_params())
def test_byte_leak_flagged_other_python(interpreter: Interpreter) -> None:
    # WHEN a callable keeping 64 more bytes per call is measured there
    result = measure_isolated(
        f"{CONTROLS}:leak_bytes",
        factory_kwargs={"size": 64},
        python=interpreter.path,
        name="leak_bytes",
        **SHORT,
    )

    # THEN traced memory grows about 64 B per call and is judged a leak
    assert result.status is Status.OK, result.error
    traced = result.probes["traced_bytes"]
    assert 48 <= traced.slope_per_iter <= 96
    assert traced.verdict is Verdict.LEAK
    assert result.attribution.allocations[0].filename == "<leak-control>"


def test_missing_interpreter_is_error() -> None:
    # WHEN the child interpreter does not exist
    result = measure_isolated(
        f"{CONTROLS}:empty", python="/nonexistent/bin/python", **SHORT
    )

    # THEN the result is an error naming the interpreter
    assert result.status is Status.ERROR
    assert result.error is not None
    assert "/nonexistent/bin/python" in result.error
