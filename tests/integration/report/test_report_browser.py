from pathlib import Path

import pytest
from devtools import chromium_path, open_page
from report_documents import make_document

from leak_tests.engine.result import Verdict
from leak_tests.report import write_reports

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Load a rendered report in headless Chromium once for the whole module."""
    assert CHROMIUM is not None
    root = tmp_path_factory.mktemp("browser")
    document = make_document(
        sites=("booking_whatsapp", "vendor_invite"),
        conditions=("ok", "slow"),
        legacy_verdict=Verdict.CLEANUP_SKIPPED,
    )
    document["soak"] = {
        "samples": {
            "fixed/helper": [{"t_s": t, "rss": 50e6, "threads": 3} for t in range(5)],
            "legacy/thread": [
                {"t_s": t, "rss": 50e6 + t * 1e6, "threads": 3 + t} for t in range(5)
            ],
        }
    }
    write_reports(document, root / "out")
    report = (root / "out" / "leakcheck.html").resolve()
    screenshot = root / "leakcheck.png"

    with open_page(CHROMIUM, root / "profile") as page:
        page.call("Runtime.enable")
        page.call("Log.enable")
        page.call("Network.enable")
        page.call("Page.enable")
        page.call("Page.navigate", url=report.as_uri())
        page.wait_for_event("Page.loadEventFired", timeout=30)
        page.drain(1.0)
        counts = page.call(
            "Runtime.evaluate",
            expression=(
                "JSON.stringify({svg: document.querySelectorAll('.chart svg').length,"
                " cells: document.querySelectorAll('table.scorecard td.cell').length,"
                " title: document.title})"
            ),
            returnByValue=True,
        )
        page.screenshot(screenshot)
    return {
        "events": page.events,
        "url": report.as_uri(),
        "counts": counts,
        "screenshot": screenshot,
    }


def test_report_has_no_console_errors(rendered: dict[str, object]) -> None:
    # GIVEN the report loaded in Chromium
    events = rendered["events"]
    assert isinstance(events, list)

    # WHEN console output, exceptions and log entries are collected
    errors = [
        event
        for event in events
        if event["method"] == "Runtime.exceptionThrown"
        or (
            event["method"] == "Runtime.consoleAPICalled"
            and event["params"]["type"] in ("error", "assert")
        )
        or (
            event["method"] == "Log.entryAdded"
            and event["params"]["entry"]["level"] == "error"
        )
    ]

    # THEN there are none
    assert errors == []


def test_report_makes_no_network_requests(rendered: dict[str, object]) -> None:
    # GIVEN the report loaded in Chromium
    events = rendered["events"]
    assert isinstance(events, list)

    # WHEN requests other than the report file itself are collected
    requests = [
        event["params"]["request"]["url"]
        for event in events
        if event["method"] == "Network.requestWillBeSent"
        and event["params"]["request"]["url"] != rendered["url"]
    ]

    # THEN there are none
    assert requests == []


def test_report_shows_charts_and_scorecard(rendered: dict[str, object]) -> None:
    # GIVEN the report loaded in Chromium
    import json

    counts = json.loads(rendered["counts"]["result"]["value"])  # type: ignore[index]

    # WHEN its elements are counted
    # THEN two site charts, two soak charts and 2 sites x 6 columns of cells render
    assert counts["svg"] == 4
    assert counts["cells"] == 12
    assert "(8 of 12 not clean)" in counts["title"]


def test_report_screenshot_written(rendered: dict[str, object]) -> None:
    # GIVEN the screenshot taken after loading
    screenshot = rendered["screenshot"]
    assert isinstance(screenshot, Path)

    # WHEN its header is read
    header = screenshot.read_bytes()[:8]

    # THEN it is a PNG
    assert header == b"\x89PNG\r\n\x1a\n"
