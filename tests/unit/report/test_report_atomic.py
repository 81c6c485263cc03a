from collections.abc import Iterator
from pathlib import Path

import pytest
from report_documents import make_document

from leak_tests.errors import OutputError
from leak_tests.report import write_reports
from leak_tests.report.atomic import atomic_write


def _chunks_then_failure() -> Iterator[bytes]:
    yield b"new content, first half"
    raise RuntimeError("disk full")


def test_failed_write_keeps_previous_file(tmp_path: Path) -> None:
    # GIVEN a report already on disk
    target = tmp_path / "leakcheck.json"
    target.write_bytes(b"previous")

    # WHEN a write fails halfway through
    with pytest.raises(RuntimeError):
        atomic_write(target, _chunks_then_failure())

    # THEN the previous file is intact and no temporary file is left
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leakcheck.json"]


def test_write_replaces_file(tmp_path: Path) -> None:
    # GIVEN a report already on disk
    target = tmp_path / "leakcheck.json"
    target.write_bytes(b"previous")

    # WHEN a new version is written
    atomic_write(target, b"new")

    # THEN the file contains the new version
    assert target.read_bytes() == b"new"


def test_unwritable_folder_raises_output_error(tmp_path: Path) -> None:
    # GIVEN an output folder below a regular file, which cannot exist
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")

    # WHEN reports are written there
    with pytest.raises(OutputError) as caught:
        write_reports(make_document(sites=("booking_whatsapp",)), blocker / "out")

    # THEN the message names the folder and the fix
    assert str(blocker / "out") in str(caught.value)
    assert "--out" in str(caught.value)


def test_failed_render_keeps_results_and_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an earlier page on disk and a renderer that breaks
    (tmp_path / "leakcheck.html").write_text("earlier page")

    def broken(*args: object) -> str:
        raise ValueError("template broke")

    monkeypatch.setattr("leak_tests.report.html.render_html", broken)

    # WHEN a run's reports are written
    with pytest.raises(OutputError) as raised:
        write_reports(make_document(), tmp_path)

    # THEN the results are saved, the earlier page is untouched, and the message
    # gives the command that draws the page again
    assert (tmp_path / "leakcheck.json").stat().st_size > 0
    assert (tmp_path / "leakcheck.html").read_text() == "earlier page"
    assert "template broke" in str(raised.value)
    assert "python -m leak_tests report" in str(raised.value)
