"""No module under app/ builds an event loop by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[3] / "app"
FORBIDDEN = frozenset({"new_event_loop", "set_event_loop", "run_until_complete"})


def forbidden_names(source: str) -> list[tuple[int, str]]:
    """Return ``(line, name)`` for every use of a forbidden name in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.alias) and node.name in FORBIDDEN:
            found.append((node.lineno, node.name))
    return found


def test_app_modules_avoid_hand_made_loops() -> None:
    # GIVEN every Python module under app/
    modules = sorted(APP_DIR.rglob("*.py"))
    assert modules

    # WHEN each is parsed
    uses = {
        str(path.relative_to(APP_DIR)): names
        for path in modules
        if (names := forbidden_names(path.read_text()))
    }

    # THEN none calls, imports or names the old loop functions
    assert uses == {}


@pytest.mark.parametrize(
    "source",
    [
        "import asyncio\nloop = asyncio.new_event_loop()",
        "from asyncio import set_event_loop",
        "loop.run_until_complete(job())",
        "f = asyncio.new_event_loop",
    ],
)
def test_checker_finds_forbidden_use(source: str) -> None:
    # WHEN the checker reads a module that builds a loop by hand
    # THEN it reports the use
    assert forbidden_names(source)


def test_checker_ignores_strings_and_comments() -> None:
    # GIVEN a module that mentions the names only in text
    source = (
        '"""Never call new_event_loop."""\n# run_until_complete\nx = "set_event_loop"'
    )

    # WHEN it is checked
    # THEN nothing is reported
    assert forbidden_names(source) == []
