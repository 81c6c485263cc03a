"""Fixtures of the hardening tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from hardening_helpers import REPO_ROOT


@pytest.fixture(scope="session")
def _rendered_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "unit" / "report"))
    try:
        from report_documents import (  # type: ignore[import-not-found]
            make_document,
        )
    finally:
        sys.path.pop(0)
    from leak_tests.report import write_reports

    out_dir = tmp_path_factory.mktemp("rendered") / "reports"
    write_reports(make_document(sites=("booking_whatsapp",)), out_dir)
    return out_dir


@pytest.fixture
def prior_reports(_rendered_reports: Path, tmp_path: Path) -> Path:
    """A report folder holding a valid ``leakcheck.json`` and ``leakcheck.html``."""
    out_dir = tmp_path / "reports"
    shutil.copytree(_rendered_reports, out_dir)
    return out_dir
