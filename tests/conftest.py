import pytest


@pytest.fixture(autouse=True)
def _fixed_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the terminal width so that rendered tables do not depend on the caller."""
    monkeypatch.setenv("COLUMNS", "80")
