from pathlib import Path

import pytest
from report_documents import make_document

from leak_tests.errors import ResultsFileError
from leak_tests.report import merge_documents, write_reports

SITE = ("booking_whatsapp",)


def test_merge_keeps_each_python(tmp_path: Path) -> None:
    # GIVEN the same scenarios measured on two Pythons
    runs = [
        (Path("py310.json"), make_document(sites=SITE, python="3.10.13")),
        (Path("py312.json"), make_document(sites=SITE, python="3.12.1")),
    ]

    # WHEN they are merged and rendered
    merged = merge_documents(runs)
    write_reports(merged, tmp_path)
    html = (tmp_path / "leakcheck.html").read_text(encoding="utf-8")

    # THEN every scenario is kept and the versions sit side by side
    assert len(merged["scenarios"]) == 6
    assert [source["path"] for source in merged["merged_from"]] == [
        "py310.json",
        "py312.json",
    ]
    assert "Python 3.10.13</th><th>Python 3.12.1</th>" in html


def test_merge_duplicate_names_both_files() -> None:
    # GIVEN two shards that both ran the same scenario on the same Python
    runs = [
        (Path("shard-a.json"), make_document(sites=SITE)),
        (Path("shard-b.json"), make_document(sites=SITE)),
    ]

    # WHEN they are merged
    with pytest.raises(ResultsFileError) as caught:
        merge_documents(runs)

    # THEN the message names the scenario and both files
    assert "shard-a.json" in str(caught.value)
    assert "shard-b.json" in str(caught.value)
    assert "booking_whatsapp/fixed/helper/ok" in str(caught.value)


def test_merge_schema_mismatch_rejected() -> None:
    # GIVEN shards written by harnesses of different schema versions
    newer = make_document(sites=("vendor_invite",))
    newer["schema_version"] = 2
    runs = [(Path("old.json"), make_document(sites=SITE)), (Path("new.json"), newer)]

    # WHEN they are merged
    with pytest.raises(ResultsFileError) as caught:
        merge_documents(runs)

    # THEN both files are named
    assert "old.json" in str(caught.value)
    assert "new.json" in str(caught.value)


def test_merge_marks_partial_when_any_shard_partial() -> None:
    # GIVEN one interrupted shard
    interrupted = make_document(sites=("vendor_invite",))
    interrupted["partial"] = True
    runs = [(Path("a.json"), make_document(sites=SITE)), (Path("b.json"), interrupted)]

    # WHEN they are merged
    merged = merge_documents(runs)

    # THEN the merged run is partial
    assert merged["partial"] is True


def test_merge_keeps_every_soak(tmp_path: Path) -> None:
    # GIVEN two runs on different Pythons that each contain a soak of "fixed"
    runs = []
    for folder, python in (("py310", "3.10.13"), ("py312", "3.12.1")):
        document = make_document(sites=SITE, python=python)
        document["environment"]["python"] = python
        document["soak"] = {
            "settings": {"duration": 60},
            "samples": {"fixed": [{"t_s": 0.0, "rss": 1.0}]},
            "patterns": {"fixed": {"verdict": "clean"}},
        }
        runs.append((Path(folder) / "leakcheck.json", document))

    # WHEN they are merged and rendered
    merged = merge_documents(runs)
    write_reports(merged, tmp_path)

    # THEN each soak keeps its own labelled pattern and series
    labels = ["fixed (py310, Python 3.10.13)", "fixed (py312, Python 3.12.1)"]
    assert list(merged["soak"]["patterns"]) == labels
    assert list(merged["soak"]["samples"]) == labels
