"""Option types and limits shared by every command, so each count reads the same.

``run``, ``check`` and the pytest plugin take the same limits and print the same
message for a value out of range: the option's name, the value given and the
range to give instead.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

Number = TypeVar("Number", int, float)

MAX_CALLS = 10_000_000
"""Maximum call or warm-up count. Counts this high end at the command's timeout
before they finish unless each call is very short."""
MAX_CHECKPOINTS = 1_000
MAX_SECONDS = 86_400.0
"""Maximum timeout or delay an option takes: one day."""


def count_type(name: str, minimum: int, maximum: int) -> Callable[[str], int]:
    """Return an argparse type for whole numbers from ``minimum`` to ``maximum``."""

    def convert(text: str) -> int:
        value = _parse(text, int, f"invalid {name} {text!r}: give a whole number")
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"invalid {name} {text!r}: give a number from {minimum:,} to "
                f"{maximum:,}"
            )
        return value

    return convert


def seconds_type(name: str) -> Callable[[str], float]:
    """Return an argparse type for seconds above 0 and at most ``MAX_SECONDS``."""

    def convert(text: str) -> float:
        hint = f"invalid {name} {text!r}: give a number of seconds"
        value = _parse(text, float, hint)
        if math.isnan(value) or not 0 < value <= MAX_SECONDS:
            raise argparse.ArgumentTypeError(
                f"invalid {name} {text!r}: give a number of seconds above 0 and "
                f"at most {MAX_SECONDS:,.0f}"
            )
        return value

    return convert


def _parse(text: str, number: Callable[[str], Number], message: str) -> Number:
    """Return ``number(text)``; raise ``ArgumentTypeError(message)`` if it fails."""
    try:
        return number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(message) from None
