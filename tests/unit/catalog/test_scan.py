import textwrap
from pathlib import Path

import pytest

from leak_tests.catalog.scan import scan_path, scan_source
from leak_tests.cli import main

JOBS = {
    "booking_whatsapp_job": "booking_whatsapp",
    "vendor_invite_job": "vendor_invite",
}


def _scan(source: str) -> list[tuple[int, str, str, str | None]]:
    findings = scan_source(textwrap.dedent(source), "sample.py", JOBS)
    return [(f.line, f.kind, f.call, f.site_id) for f in findings]


@pytest.mark.parametrize(
    ("source", "call"),
    [
        ("import asyncio\nasyncio.new_event_loop()\n", "asyncio.new_event_loop"),
        ("import asyncio as aio\naio.set_event_loop(None)\n", "aio.set_event_loop"),
        ("loop.run_until_complete(job())\n", "loop.run_until_complete"),
        ("self.loop.run_until_complete(job())\n", "self.loop.run_until_complete"),
        ("from asyncio import new_event_loop\nnew_event_loop()\n", "new_event_loop"),
        ("from asyncio import new_event_loop as make\nmake()\n", "make"),
        (
            "asyncio.get_event_loop().run_until_complete(x)\n",
            "asyncio.get_event_loop().run_until_complete",
        ),
    ],
)
def test_scan_finds_old_pattern_spellings(source: str, call: str) -> None:
    # GIVEN one spelling of the old pattern
    # WHEN
    found = _scan(source)

    # THEN exactly that call is reported as the old pattern
    assert [(kind, written) for _, kind, written, _ in found] == [("old_pattern", call)]


def test_scan_ignores_asyncio_run() -> None:
    # GIVEN / WHEN
    found = _scan("import asyncio\nasyncio.run(main())\n")

    # THEN
    assert found == []


def test_scan_matches_dispatch_to_site_by_job_name() -> None:
    # GIVEN covered dispatches, plain, imported under another name and attribute
    source = """
        from app.utils.async_thread_helper import run_async_in_thread
        from app.utils import async_thread_helper as helper
        from app.notifications.jobs import vendor_invite_job as invite
        from app.notifications import jobs

        run_async_in_thread(jobs.booking_whatsapp_job, notice, settings)
        helper.run_async_in_thread(invite, notice, settings)
    """
    # WHEN
    found = _scan(source)

    # THEN
    assert found == [
        (7, "dispatch", "run_async_in_thread", "booking_whatsapp"),
        (8, "dispatch", "helper.run_async_in_thread", "vendor_invite"),
    ]


def test_scan_reports_uncovered_dispatch() -> None:
    # GIVEN a job the catalog does not know
    source = "run_async_in_thread(send_reminder_job, notice, settings)\n"

    # WHEN
    findings = scan_source(source, "sample.py", JOBS)

    # THEN
    assert len(findings) == 1
    assert findings[0].site_id is None
    assert findings[0].is_problem
    assert "not covered" in findings[0].describe()


def test_scan_treats_forwarded_parameter_as_wrapper() -> None:
    # GIVEN a wrapper that passes its own parameter on
    source = """
        def run_async_in_thread(async_fn, *args):
            return _runner.run_async_in_thread(async_fn, *args)
    """
    # WHEN
    findings = scan_source(textwrap.dedent(source), "helper.py", JOBS)

    # THEN it is listed as forwarding and is no problem
    assert [f.kind for f in findings] == ["forward"]
    assert not findings[0].is_problem


def test_scan_reports_syntax_error_as_problem() -> None:
    # GIVEN / WHEN
    findings = scan_source("def broken(:\n", "bad.py", JOBS)

    # THEN
    assert [f.kind for f in findings] == ["syntax_error"]
    assert findings[0].is_problem


def test_scan_path_walks_directory_and_skips_hidden(tmp_path: Path) -> None:
    # GIVEN an old pattern in a package and one in a hidden folder
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "notify.py").write_text("loop.run_until_complete(x)\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "lib.py").write_text("loop.run_until_complete(x)\n")

    # WHEN
    findings = scan_path(tmp_path, JOBS)

    # THEN only the package file is reported
    assert [Path(f.path).name for f in findings] == ["notify.py"]


def test_scan_command_exits_1_on_old_pattern(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a module that builds its loop by hand
    (tmp_path / "notify.py").write_text(
        "import asyncio\nloop = asyncio.new_event_loop()\nloop.run_until_complete(x)\n"
    )

    # WHEN
    code = main(["scan", str(tmp_path)])

    # THEN both calls are listed with their lines
    out = capsys.readouterr().out
    assert code == 1
    assert "notify.py:2: old event-loop pattern: asyncio.new_event_loop(...)" in out
    assert "notify.py:3: old event-loop pattern: loop.run_until_complete(...)" in out


def test_scan_command_passes_on_app(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the service's own package
    root = Path(__file__).resolve().parents[3] / "app"

    # WHEN
    code = main(["scan", str(root)])

    # THEN every dispatch is covered by a catalog site
    out = capsys.readouterr().out
    assert code == 0
    assert out.count(": site ") == 8


def test_scan_command_rejects_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN / WHEN
    code = main(["scan", "/no/such/folder"])

    # THEN
    assert code == 2
    assert "'/no/such/folder' not found" in capsys.readouterr().err


def test_scan_command_rejects_non_python_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a file that is not Python source
    path = tmp_path / "results.json"
    path.write_text("{")

    # WHEN it is scanned
    exit_code = main(["scan", str(path)])

    # THEN the command exits 2 naming the file and the fix
    assert exit_code == 2
    error = capsys.readouterr().err
    assert "results.json" in error
    assert "not a Python file" in error
