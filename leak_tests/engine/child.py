"""Child-process entry point of ``measure_isolated``.

Run as ``python -m leak_tests.engine.child REQUEST_JSON RESULT_PATH``. The request
contains ``factory``, ``factory_kwargs``, ``memory_limit`` and ``measure_kwargs``.
The child writes ``Result.to_dict()`` as JSON to ``RESULT_PATH`` and exits 0,
also when the factory cannot be resolved or raises; the parent reports anything
else (a crash, a signal, a missing file) itself.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import traceback
from typing import Any

from leak_tests.engine.isolation import failed_result
from leak_tests.engine.result import Result, Status, Verdict
from leak_tests.engine.runner import measure
from leak_tests.engine.target import resolve_target
from leak_tests.errors import TargetError


def set_limits(memory_limit: int | None) -> None:
    """Raise the fd soft limit to the hard limit; cap the address space if asked."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if memory_limit is not None:
        _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard_as))


def run_request(request: dict[str, Any]) -> Result:
    """Resolve the factory, build the callable, measure it and close it."""
    factory_spec: str = request["factory"]
    factory_kwargs: dict[str, Any] = request.get("factory_kwargs") or {}
    measure_kwargs: dict[str, Any] = dict(request.get("measure_kwargs") or {})
    measure_kwargs.setdefault("name", factory_spec)
    try:
        factory = resolve_target(factory_spec, supplied=factory_kwargs)
    except TargetError as exc:
        return failed_result(factory_spec, measure_kwargs, str(exc))
    try:
        fn = factory(**factory_kwargs)
    except Exception:
        message = f"factory {factory_spec!r} raised:\n{traceback.format_exc()}"
        return failed_result(factory_spec, measure_kwargs, message)
    result = measure(fn, **measure_kwargs)
    try:
        if hasattr(fn, "extra"):
            result.extra.update(fn.extra())
        if hasattr(fn, "close"):
            fn.close()
    except Exception:
        result.status = Status.ERROR
        result.verdict = Verdict.ERROR
        result.error = f"closing the callable raised:\n{traceback.format_exc()}"
    return result


def write_result(result: Result, path: str) -> None:
    """Write the result as JSON, atomically."""
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(result.to_dict(), out, sort_keys=True)
    os.replace(partial, path)


def main(argv: list[str]) -> int:
    request = json.loads(argv[1])
    set_limits(request.get("memory_limit"))
    result = run_request(request)
    write_result(result, argv[2])
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # The result is written: end here, so that non-daemon threads the measured
    # code left running cannot keep the process alive until the timeout.
    os._exit(code)
