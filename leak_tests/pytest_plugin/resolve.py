"""Settings of one leak check, resolved from every place a user can set them.

One resolver applies one order to every setting: fixture call > ``leakcheck``
marker > command line > ini file > default. Command-line options default to
``None`` so that an unset option never hides the ini key of the same name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from leak_tests.commands.arguments import MAX_CALLS, MAX_CHECKPOINTS, count_type
from leak_tests.commands.check import DEFAULT_FAIL_ON, verdict_list
from leak_tests.engine.result import Verdict
from leak_tests.errors import UsageError


@dataclass(frozen=True)
class Setting:
    """One setting shared by a command-line option and an ini key."""

    key: str
    """Ini key and option ``dest``, such as ``leak_iterations``."""
    parse: Callable[[str], Any]
    default: str
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "leak_iterations",
        count_type("iterations", 1, MAX_CALLS),
        "1000",
        "measured calls per leak check",
    ),
    Setting(
        "leak_warmup",
        count_type("warm-up", 0, MAX_CALLS),
        "100",
        "calls before measuring, not counted",
    ),
    Setting(
        "leak_checkpoints",
        count_type("checkpoints", 2, MAX_CHECKPOINTS),
        "10",
        "readings after collection, at most the iterations",
    ),
    Setting(
        "leak_fail_on",
        verdict_list,
        DEFAULT_FAIL_ON,
        "comma-separated verdicts that fail a leak check",
    ),
)


@dataclass(frozen=True)
class LeakSettings:
    """Everything one leak check needs, after resolution."""

    iterations: int
    warmup: int
    checkpoints: int
    fail_on: frozenset[Verdict]
    """Verdicts that fail the test, ``allow`` already taken out."""
    probes: tuple[str, ...] | None = None
    """Probe names for ``measure``; None reads every probe."""
    max_per_call: Mapping[str, float] = field(default_factory=dict)
    """Largest allowed per-call slope of each named probe, in its unit."""


def configured_value(config: pytest.Config, setting: Setting) -> Any:
    """Return the command-line value, else the ini value, else the default, parsed.

    Raises ``pytest.UsageError`` naming the ini key for an invalid ini value.
    """
    value = config.getoption(setting.key, default=None)
    if value is not None:
        return value
    text = str(config.getini(setting.key) or "").strip()
    if not text:
        return setting.parse(setting.default)
    try:
        return setting.parse(text)
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(
            f"ini key {setting.key}: {exc}; fix it in {config.inipath}"
        ) from None


def resolve(config: pytest.Config, *layers: Mapping[str, Any]) -> LeakSettings:
    """Resolve settings; ``layers`` are marker then fixture keyword arguments.

    A later layer wins over an earlier one, and any layer wins over the command
    line and ini. ``allow`` verdicts are taken out of the resolved ``fail_on``.
    Raises ``UsageError`` when checkpoints exceed iterations.
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update({key: value for key, value in layer.items() if value is not None})
    values = {setting.key: configured_value(config, setting) for setting in SETTINGS}
    iterations = int(merged.get("iterations", values["leak_iterations"]))
    checkpoints = int(merged.get("checkpoints", values["leak_checkpoints"]))
    if checkpoints > iterations:
        raise UsageError(
            f"invalid leak check settings: checkpoints {checkpoints} exceed "
            f"iterations {iterations}; lower checkpoints or raise iterations"
        )
    allowed = frozenset(Verdict(v) for v in merged.get("allow", ()))
    probes = merged.get("probes")
    return LeakSettings(
        iterations=iterations,
        warmup=int(merged.get("warmup", values["leak_warmup"])),
        checkpoints=checkpoints,
        fail_on=values["leak_fail_on"] - allowed,
        probes=None if probes is None else tuple(probes),
        max_per_call=dict(merged.get("max_per_call") or {}),
    )
