import re
from html.parser import HTMLParser
from pathlib import Path

from report_documents import HOSTILE, make_hostile_document, validate_report_files

from leak_tests.report import write_reports


class _AttributeNames(HTMLParser):
    """Collects the name of every attribute of every element."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.update(name for name, _ in attrs)


def _attribute_names(html: str) -> set[str]:
    parser = _AttributeNames()
    parser.feed(html)
    return parser.names


def test_hostile_text_escaped_in_html(tmp_path: Path) -> None:
    # GIVEN a document whose names, paths and messages contain markup
    document = make_hostile_document()

    # WHEN the reports are written
    write_reports(document, tmp_path)
    html = (tmp_path / "leakcheck.html").read_text(encoding="utf-8")

    # THEN no hostile markup survives and the escaped text is shown
    assert "<script>alert(1)" not in html
    assert "onmouseover" not in _attribute_names(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert validate_report_files(tmp_path)["scenarios"][0]["error"].endswith(HOSTILE)


def test_page_data_cannot_close_script_tag(tmp_path: Path) -> None:
    # GIVEN a document whose scenario ids reach the page data
    document = make_hostile_document()

    # WHEN the reports are written
    write_reports(document, tmp_path)
    html = (tmp_path / "leakcheck.html").read_text(encoding="utf-8")

    # THEN every script element ends where it should
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.DOTALL)
    assert len(scripts) == 2
    assert html.count("</script>") == 2
    assert "\\u003c/script\\u003e" in scripts[0]


def test_chart_text_escaped_in_svg(tmp_path: Path) -> None:
    # GIVEN a hostile condition label, which becomes chart text
    document = make_hostile_document()

    # WHEN the reports are written
    write_reports(document, tmp_path)
    html = (tmp_path / "leakcheck.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)

    # THEN the chart contains the label only in escaped form
    assert svgs
    assert "ok &lt;script&gt;" in svgs[0]
    assert "<script" not in svgs[0]
