"""The list of scenarios a run measures, and the parsing of its filters."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from leak_tests.catalog.names import (
    CONDITIONS,
    CONTEXTS,
    FAULT_CONDITIONS,
    PATTERN_CONTEXTS,
    PATTERNS,
    SITE_IDS,
)
from leak_tests.errors import UsageError


@dataclass(frozen=True)
class ScenarioSpec:
    """One cell of the matrix: a site run by a pattern in a context under a
    server condition."""

    site: str
    pattern: str
    context: str
    condition: str

    @property
    def id(self) -> str:
        """Identifier such as ``booking_whatsapp/legacy/thread/ok``."""
        return f"{self.site}/{self.pattern}/{self.context}/{self.condition}"

    @property
    def is_fault(self) -> bool:
        """Whether the servers misbehave in this scenario."""
        return self.condition in FAULT_CONDITIONS


def parse_choices(
    option: str, value: str | None, valid: Sequence[str]
) -> tuple[str, ...]:
    """Parse a comma-separated option value; ``None`` selects every valid value.

    Raises ``UsageError`` naming the first unknown value and the valid ones.
    """
    if value is None:
        return tuple(valid)
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    if not chosen:
        raise UsageError(f"{option} is empty; use one or more of {', '.join(valid)}")
    for item in chosen:
        if item not in valid:
            raise UsageError(
                f"{option}: unknown value {item!r}; valid values: {', '.join(valid)}"
            )
    return tuple(dict.fromkeys(chosen))


def plan_scenarios(
    *,
    sites: Iterable[str] = SITE_IDS,
    patterns: Iterable[str] = PATTERNS,
    contexts: Iterable[str] = CONTEXTS,
    conditions: Iterable[str] = CONDITIONS,
) -> list[ScenarioSpec]:
    """List sites x (pattern, context) pairs x conditions, keeping catalog order."""
    site_set, pattern_set = set(sites), set(patterns)
    context_set, condition_set = set(contexts), set(conditions)
    return [
        ScenarioSpec(site, pattern, context, condition)
        for site in SITE_IDS
        if site in site_set
        for pattern, context in PATTERN_CONTEXTS
        if pattern in pattern_set and context in context_set
        for condition in CONDITIONS
        if condition in condition_set
    ]


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``I/N`` (shard I of N, counted from 1); raises ``ArgumentTypeError``."""
    index_text, slash, count_text = text.partition("/")
    try:
        index, count = int(index_text), int(count_text)
    except ValueError:
        index = count = 0
    if not slash or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(
            f"invalid shard {text!r}; use I/N with 1 <= I <= N, such as 1/4"
        )
    return index, count


def select_shard(
    specs: Sequence[ScenarioSpec], index: int, count: int
) -> list[ScenarioSpec]:
    """Return shard ``index`` of ``count``: every ``count``-th scenario from it.

    Striding over the catalog order spreads sites, patterns and conditions over
    the shards, so their run times stay close. The shards of one plan are
    disjoint and together hold every scenario exactly once.
    """
    return list(specs[index - 1 :: count])
