"""Options, ini keys and hooks of the ``leakcheck`` pytest plugin.

The plugin loads in every session of a project that installs this package, so
it only adds options, ini keys, the marker line and cheap hooks that return at
once for tests without the ``leakcheck`` marker. The engine is imported the
first time a test is measured.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from leak_tests.pytest_plugin.fixtures import leak_check
from leak_tests.pytest_plugin.markers import marker_kwargs, marker_line
from leak_tests.pytest_plugin.resolve import SETTINGS
from leak_tests.pytest_plugin.session import (
    RECORDS_KEY,
    SESSION_KEY,
    LeakCheckSession,
    call_test_function,
    report_text,
    verdict_summary,
)

__all__ = ["leak_check"]

SECTION_TITLE = "leakcheck"
"""Title of the report section holding the probe table and attribution."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leakcheck", "leak checks (leakcheck marker, leak_check)")
    for setting in SETTINGS:
        help_text = f"{setting.help} (default: {setting.default})"
        group.addoption(
            setting.flag,
            dest=setting.key,
            type=setting.parse,
            default=None,
            help=help_text,
        )
        parser.addini(setting.key, help_text, default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", marker_line())
    config.stash[SESSION_KEY] = LeakCheckSession(config)
    config.add_cleanup(lambda: config.stash.__delitem__(SESSION_KEY))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    marker = pyfuncitem.get_closest_marker("leakcheck")
    if marker is None or "leak_check" in pyfuncitem.fixturenames:
        return None
    session = pyfuncitem.config.stash[SESSION_KEY]
    layer = marker_kwargs(marker.args, marker.kwargs)
    record = session.check(pyfuncitem, call_test_function(pyfuncitem), (layer,))
    if record.failure is not None:
        pytest.fail(record.failure, pytrace=False)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    records = item.stash.get(RECORDS_KEY, None)
    if records and report.when == "call":
        report.sections.append((SECTION_TITLE, report_text(records)))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    session = terminalreporter.config.stash.get(SESSION_KEY, None)
    if session is None or not session.records:
        return
    counts = verdict_summary(session)
    parts = ", ".join(f"{count} {verdict.value}" for verdict, count in counts.items())
    terminalreporter.write_sep("-", "leakcheck")
    terminalreporter.write_line(f"tests measured: {len(session.records)} ({parts})")
