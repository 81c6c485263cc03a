import json
from pathlib import Path

import pytest
from report_documents import make_document, make_result, validate_report_files

from leak_tests.engine.result import Verdict
from leak_tests.errors import ResultsFileError
from leak_tests.report import load_document, validate_document, write_reports
from leak_tests.report.json import dumps_document


def test_synthetic_document_valid() -> None:
    # GIVEN a document built from real Result objects
    document = make_document()

    # WHEN it is validated
    # THEN nothing is raised
    validate_document(document)


def test_invalid_verdict_rejected_with_path() -> None:
    # GIVEN a scenario with a verdict the schema does not know
    document = make_document(sites=("booking_whatsapp",))
    document["scenarios"][1]["verdict"] = "leaky"

    # WHEN it is validated
    with pytest.raises(ResultsFileError) as caught:
        validate_document(document)

    # THEN the message names where the bad value is
    assert "scenarios/1/verdict" in str(caught.value)


def test_other_schema_version_rejected() -> None:
    # GIVEN a document of a later schema
    document = make_document(sites=("booking_whatsapp",))
    document["schema_version"] = 2

    # WHEN it is validated
    with pytest.raises(ResultsFileError) as caught:
        validate_document(document)

    # THEN the message gives the version found
    assert "schema_version 2" in str(caught.value)


def test_json_sorted_and_nan_free() -> None:
    # GIVEN a document with a value that could not be measured
    document = make_document(sites=("booking_whatsapp",))
    document["scenarios"][0]["probes"]["rss"]["high_watermark"] = float("nan")

    # WHEN it is serialised
    text = dumps_document(document)

    # THEN the JSON is strict, keys are sorted and NaN became null
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["scenarios"][0]["probes"]["rss"]["high_watermark"] is None
    validate_document(data)


def test_written_report_valid_and_environment_filled(tmp_path: Path) -> None:
    # GIVEN a document without an environment block
    document = make_document(sites=("booking_whatsapp",))
    del document["environment"]

    # WHEN the reports are written
    write_reports(document, tmp_path)

    # THEN the saved JSON validates and records this interpreter
    saved = validate_report_files(tmp_path)
    assert saved["environment"]["python"]
    assert "matplotlib" in saved["environment"]["packages"]


def test_bare_check_result_wrapped(tmp_path: Path) -> None:
    # GIVEN one result as `check --json` saves it
    path = tmp_path / "check.json"
    path.write_text(json.dumps(make_result(verdict=Verdict.LEAK).to_dict()))

    # WHEN it is loaded
    document = load_document(path)

    # THEN it is a one-scenario document of kind check
    assert document["kind"] == "check"
    assert document["scenarios"][0]["id"] == "tests.sample:job"
