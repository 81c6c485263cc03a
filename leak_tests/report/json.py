"""``leakcheck.json``: the run document with sorted keys, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leak_tests.report.atomic import atomic_write
from leak_tests.report.document import finite

JSON_NAME = "leakcheck.json"


def dumps_document(document: dict[str, Any]) -> str:
    """Return the document as JSON text: sorted keys, no NaN, one trailing newline."""
    return (
        json.dumps(finite(document), sort_keys=True, indent=1, allow_nan=False) + "\n"
    )


def write_json(document: dict[str, Any], out_dir: Path) -> Path:
    """Write ``leakcheck.json`` into ``out_dir`` atomically; return its path."""
    path = out_dir / JSON_NAME
    atomic_write(path, dumps_document(document).encode("utf-8"))
    return path
