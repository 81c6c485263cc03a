"""Helpers for the hardening tests: the command line, file hashes, PIDs."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI_TIMEOUT = 120.0
"""Seconds one command may take before the test fails; every call is bounded."""


@dataclass(frozen=True)
class Completed:
    """Exit code and output of one ``python -m leak_tests`` command."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = CLI_TIMEOUT
) -> Completed:
    """Run ``python -m leak_tests ARGS`` in a child process and return its outcome.

    The command runs in its own session. On a timeout its whole process group is
    killed, so measurement children and servers it started do not outlive the
    test, and ``subprocess.TimeoutExpired`` is raised.
    """
    with subprocess.Popen(
        [sys.executable, "-m", "leak_tests", *args],
        cwd=cwd or REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            process.communicate()
            raise
    return Completed(process.returncode, stdout, stderr)


def kill_tree(pid: int) -> None:
    """Kill ``pid`` and every process below it, children first."""
    try:
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def call_cli(*args: str) -> Completed:
    """Run ``leak_tests.cli.main(ARGS)`` in this process and return its outcome.

    Faster than ``run_cli`` for input that fails before any measurement starts.
    """
    from leak_tests.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return Completed(code, stdout.getvalue(), stderr.getvalue())


def tree_hashes(folder: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def live_descendants(pid: int) -> list[int]:
    """Return the PIDs of the live processes below ``pid`` (zombies excluded)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [child.pid for child in children if _alive(child.pid)]


def alive(pids: list[int]) -> list[int]:
    """Return those of ``pids`` that still run (not gone, not zombies)."""
    return [pid for pid in pids if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
