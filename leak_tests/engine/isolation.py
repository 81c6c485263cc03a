"""Measure a scenario in a fresh child process.

Process-wide counts (threads, fds, RSS, live objects) then belong to one scenario.
The child runs ``python -m leak_tests.engine.child`` in its own process group,
without the parent's extra descriptors, and writes its result as JSON to a
temporary file. A crash, a hang past the timeout or a missing result becomes a
``Result`` with status ``error`` or ``timeout``: the parent never raises for a
child failure.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from leak_tests.engine.result import Result, Status, Verdict

logger = logging.getLogger(__name__)

OUTPUT_TAIL_CHARS = 4000
"""Characters of the child's combined stdout and stderr kept in a failed result."""

TERMINATE_GRACE_S = 2.0
"""Time a child gets to exit after SIGTERM before ``terminate_children`` kills it."""

_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()


def measure_isolated(
    factory: str,
    *,
    factory_kwargs: dict[str, Any] | None = None,
    timeout: float = 600.0,
    memory_limit: int | None = None,
    python: str | None = None,
    **measure_kwargs: Any,
) -> Result:
    """Measure, in a child process, the callable that ``factory`` returns.

    ``factory`` is ``"package.module:function"`` or ``"path/file.py:function"``;
    the child calls it with ``factory_kwargs`` and passes ``measure_kwargs`` to
    ``measure``. ``memory_limit`` caps the child's address space in bytes
    (RLIMIT_AS). ``python`` is the child's interpreter (default
    ``sys.executable``); another one must be able to import ``leak_tests``,
    ``psutil`` and ``objgraph`` itself. Arguments must be JSON-serialisable.
    """
    request = {
        "factory": factory,
        "factory_kwargs": factory_kwargs or {},
        "memory_limit": memory_limit,
        "measure_kwargs": measure_kwargs,
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leak-tests-") as workdir:
        result = _run_child(request, workdir, timeout, python or sys.executable)
    if result.status is not Status.OK and not result.duration_s:
        result.duration_s = time.perf_counter() - started
    return result


def _run_child(
    request: dict[str, Any], workdir: str, timeout: float, python: str
) -> Result:
    result_path = os.path.join(workdir, "result.json")
    output_path = os.path.join(workdir, "output.txt")
    command = [
        python,
        "-m",
        "leak_tests.engine.child",
        json.dumps(request),
        result_path,
    ]
    with open(output_path, "wb") as output:
        try:
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                close_fds=True,
                start_new_session=True,
                env=_child_environment(python),
            )
        except OSError as exc:
            message = f"cannot start the child interpreter {python!r}: {exc}"
            return _failure(request, message, output_path)
    with _children_lock:
        _children.add(child)
    try:
        returncode = child.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        message = f"child timed out after {timeout:g} s and was killed"
        return _failure(request, message, output_path, Status.TIMEOUT)
    finally:
        with _children_lock:
            _children.discard(child)
    if returncode != 0:
        return _failure(request, _exit_reason(returncode), output_path)
    return _read_result(request, result_path, output_path)


def _read_result(request: dict[str, Any], result_path: str, output_path: str) -> Result:
    try:
        with open(result_path, encoding="utf-8") as source:
            return Result.from_dict(json.load(source))
    except FileNotFoundError:
        message = "child exited with code 0 but wrote no result"
    except (ValueError, KeyError, TypeError) as exc:
        message = f"child wrote an unreadable result: {type(exc).__name__}: {exc}"
    return _failure(request, message, output_path)


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"child was killed by {name}"
    return f"child exited with code {returncode}"


def _failure(
    request: dict[str, Any],
    message: str,
    output_path: str,
    status: Status = Status.ERROR,
) -> Result:
    tail = _tail(output_path)
    if tail:
        message = f"{message}; output tail:\n{tail}"
    logger.warning("isolated measurement of %s failed: %s", request["factory"], message)
    return failed_result(request["factory"], request["measure_kwargs"], message, status)


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as source:
            source.seek(0, os.SEEK_END)
            source.seek(max(0, source.tell() - OUTPUT_TAIL_CHARS))
            return source.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _child_environment(python: str) -> dict[str, str]:
    """Return the child's environment, with the parent's ``sys.path`` first.

    The child then imports what the parent can. For another interpreter, the
    folders of the parent's own installation (its standard library and
    site-packages) are left out, because that interpreter cannot load them.
    """
    environment = dict(os.environ)
    paths = [path or os.getcwd() for path in sys.path if os.path.isdir(path or ".")]
    if not _same_interpreter(python):
        paths = [path for path in paths if not _in_parent_installation(path)]
    existing = environment.get("PYTHONPATH")
    if existing:
        paths.append(existing)
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    return environment


def _same_interpreter(python: str) -> bool:
    return os.path.realpath(python) == os.path.realpath(sys.executable)


def _in_parent_installation(path: str) -> bool:
    path = os.path.realpath(path)
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for prefix in prefixes:
        prefix = os.path.realpath(prefix)
        if path == prefix or path.startswith(prefix + os.sep):
            return True
    return False


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def failed_result(
    target: str,
    measure_kwargs: dict[str, Any],
    message: str,
    status: Status = Status.ERROR,
) -> Result:
    """Return a result with no readings for a run that could not be measured."""
    return Result(
        target=str(measure_kwargs.get("name") or target),
        iterations=int(measure_kwargs.get("iterations", 2000)),
        warmup=int(measure_kwargs.get("warmup", 100)),
        checkpoints=int(measure_kwargs.get("checkpoints", 10)),
        status=status,
        verdict=Verdict.ERROR if status is Status.ERROR else Verdict.TIMEOUT,
        settings={k: v for k, v in measure_kwargs.items() if k != "name"},
        error=message,
    )


def terminate_children() -> int:
    """Stop every live child: SIGTERM to its process group, then SIGKILL.

    Returns the number of children stopped. Safe to call from a signal handler
    thread or an ``atexit`` hook.
    """
    with _children_lock:
        children = list(_children)
    for child in children:
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + TERMINATE_GRACE_S
    for child in children:
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill_group(child)
    return len(children)
