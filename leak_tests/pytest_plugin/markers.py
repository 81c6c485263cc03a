"""The ``leakcheck`` marker: its keyword arguments and its ``--markers`` line."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from leak_tests.engine.result import Verdict
from leak_tests.errors import UsageError


def leakcheck(
    *,
    iterations: int | None = None,
    warmup: int | None = None,
    checkpoints: int | None = None,
    probes: Iterable[str] | None = None,
    allow: Iterable[str] = (),
    max_per_call: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Call the test body warm-up plus iterations times under leak probes and fail it on a verdict in --leak-fail-on that is not in allow, or on a probe whose per-call slope exceeds its max_per_call limit.

    Returns the marker's settings as keyword arguments for the resolver; ``None``
    leaves a setting to the command line, the ini file or the default. Raises
    ``UsageError`` naming the value for an unknown verdict or a bad limit.
    """  # noqa: E501 - the first line is the marker's one-line --markers help
    allowed = [str(name) for name in allow]
    valid = ", ".join(verdict.value for verdict in Verdict)
    for name in allowed:
        if name not in {verdict.value for verdict in Verdict}:
            raise UsageError(
                f"leakcheck(allow=...) has unknown verdict {name!r}: use {valid}"
            )
    limits = dict(max_per_call or {})
    for probe, limit in limits.items():
        if not isinstance(limit, (int, float)) or limit < 0:
            raise UsageError(
                f"leakcheck(max_per_call={{{probe!r}: {limit!r}}}) is not a number "
                "of 0 or more: give the largest per-call slope in the probe's unit"
            )
    return {
        "iterations": iterations,
        "warmup": warmup,
        "checkpoints": checkpoints,
        "probes": None if probes is None else list(probes),
        "allow": allowed,
        "max_per_call": limits,
    }


def marker_kwargs(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a ``leakcheck`` marker's arguments and return its settings.

    Raises ``UsageError`` naming the valid keywords for positional or unknown
    arguments.
    """
    valid = ", ".join(inspect.signature(leakcheck).parameters)
    if args:
        raise UsageError(
            f"leakcheck takes keyword arguments only, got {args!r}: use {valid}"
        )
    try:
        return leakcheck(**kwargs)
    except TypeError:
        unknown = sorted(set(kwargs) - set(inspect.signature(leakcheck).parameters))
        raise UsageError(
            f"leakcheck got unknown keyword {', '.join(unknown)}: use {valid}"
        ) from None


def marker_line() -> str:
    """Return the ``--markers`` line, built from ``leakcheck``'s signature and doc."""
    parameters = ", ".join(
        f"{name}={parameter.default!r}"
        for name, parameter in inspect.signature(leakcheck).parameters.items()
    )
    summary = (inspect.getdoc(leakcheck) or "").splitlines()[0]
    return f"leakcheck({parameters}): {summary}"
